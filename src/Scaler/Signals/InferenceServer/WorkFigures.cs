namespace Scaler.Signals.InferenceServer;

/// <summary>What one pod's metrics say about its work; a null figure was not in the document.</summary>
internal readonly record struct WorkFigures(
    double? Requests,
    double? PromptTokens,
    double? GenerationTokens,
    double? Running,
    double? Waiting,
    double? KvCacheUse,
    double? InterTokenSeconds,
    double? InterTokenCount);
