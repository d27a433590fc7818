namespace NvmlExporter.Metrics;

/// <summary>How the series of a device that several containers hold (a time-sliced GPU) are published.</summary>
public enum PodSeries
{
    /// <summary>One copy of each series per container, each with its own <c>pod</c>, <c>namespace</c>, <c>container</c>.</summary>
    PerPod,

    /// <summary>One series per device; <c>pod</c>, <c>namespace</c> and <c>container</c> list every container, comma-separated, in the same order.</summary>
    Joined,
}
