using Scaler.Decisions;

namespace Scaler.FrontDoors.Page;

/// <summary>One signal's samples over a trigger's history window, oldest first.</summary>
internal sealed record SignalHistory(string Name, SignalRole Role, SignalSample[] Samples);
