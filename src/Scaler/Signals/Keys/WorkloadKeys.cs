using Scaler.Signals.Kubernetes;

namespace Scaler.Signals.Keys;

/// <summary>The workload key: which pods the pod-reading sources read (the scale target's selector unless <c>podSelector</c> overrides it).</summary>
internal static class WorkloadKeys
{
    public const string PodSelector = "podSelector";

    public static readonly TriggerKey PodSelectorKey = new(
        PodSelector,
        "label selector",
        "the scale target's `spec.selector`",
        "app=vllm,tier in (gpu)",
        "Which pods the GPU signals and pod-scraped pending requests read. Only with those signals.",
        "a label selector such as 'app=vllm' or 'app=vllm,tier in (gpu)'")
    {
        Section = TriggerKeySection.Workload,
        Habits = ["podSelectorFromEnv"],
    };

    /// <summary>
    /// The workload <paramref name="name"/> in <paramref name="namespace"/>, with the trigger's pod selector in its
    /// canonical form when one is given and valid, else <paramref name="targetSelector"/> (the scale target's, when known).
    /// </summary>
    public static WorkloadRef Read(TriggerMetadataReader metadata, string @namespace, string name, string? targetSelector = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var selector = targetSelector;
        if (metadata.Text(PodSelector) is { } text)
        {
            if (LabelSelector.TryParse(text, PodSelector, out var parsed, out var error))
            {
                selector = parsed.ToString();
            }
            else
            {
                metadata.Fail(PodSelector, error[(PodSelector.Length + 1)..]);
            }
        }

        return new WorkloadRef(@namespace, name, selector);
    }
}
