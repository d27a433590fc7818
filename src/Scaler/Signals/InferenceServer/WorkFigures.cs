namespace Scaler.Signals.InferenceServer;

/// <summary>What one pod's metrics say about its work; a null figure was not in the document, or had no usable value.</summary>
internal readonly record struct WorkFigures(
    double? Requests,
    double? PromptTokens,
    double? GenerationTokens,
    double? Running,
    double? Waiting,
    double? KvCacheUse,
    double? InterTokenSeconds,
    double? InterTokenCount)
{
    /// <summary>The figures present only with NaN, infinite or negative samples (by metric name).</summary>
    public IReadOnlyList<string> Unusable { get; init; } = [];
}
