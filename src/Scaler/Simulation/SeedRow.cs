namespace Scaler.Simulation;

/// <summary>One row of one seed in a <see cref="SeedSummary"/>; violations are after warm-up.</summary>
internal readonly record struct SeedRow(int Seed, double GpuHours, int Violations, double ViolationShare, double ToClairvoyant, double ToBound, double P99WaitSeconds, int? FixedCount);
