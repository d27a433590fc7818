namespace Scaler.Decisions;

/// <summary>A signal value recorded at the last scale-up, for the warming gate.</summary>
internal readonly record struct SignalMark(string Name, double Value);
