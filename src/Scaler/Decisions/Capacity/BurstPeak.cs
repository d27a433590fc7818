namespace Scaler.Decisions.Capacity;

/// <summary>
/// The most requests seen arriving within two seconds during one minute, beyond what Poisson arrivals at
/// that minute's rate would bring (the queueing model already covers those).
/// </summary>
internal readonly record struct BurstPeak(long Minute, double Excess);
