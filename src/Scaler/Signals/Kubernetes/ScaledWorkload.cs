namespace Scaler.Signals.Kubernetes;

/// <summary>
/// A workload with a <c>/scale</c> subresource as the Kubernetes API last showed it: its annotations (where an
/// HPA-only cluster writes the Scaler's policy), and its scale: the pod selector and replica counts.
/// </summary>
/// <param name="Namespace">Its namespace.</param>
/// <param name="Resource">Its resource, qualified by group (<c>deployments.apps</c>).</param>
/// <param name="Name">Its name.</param>
/// <param name="Kind">Its kind (<c>Deployment</c>).</param>
/// <param name="ApiVersion">Its group and version (<c>apps/v1</c>).</param>
/// <param name="Annotations">Its <c>metadata.annotations</c>.</param>
/// <param name="Selector">The scale's <c>status.selector</c> (a label selector string); null when it publishes none.</param>
/// <param name="Replicas">The scale's <c>spec.replicas</c>, the count the HPA starts from.</param>
/// <param name="ObservedAt">When this was read.</param>
internal sealed record ScaledWorkload(
    string Namespace,
    string Resource,
    string Name,
    string Kind,
    string ApiVersion,
    IReadOnlyDictionary<string, string> Annotations,
    string? Selector,
    int Replicas,
    DateTimeOffset ObservedAt);
