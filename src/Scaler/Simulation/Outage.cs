namespace Scaler.Simulation;

/// <summary>A window of virtual time during which every signal source fails.</summary>
internal readonly record struct Outage(double StartSeconds, double EndSeconds)
{
    public bool Covers(double now) => now >= StartSeconds && now < EndSeconds;
}
