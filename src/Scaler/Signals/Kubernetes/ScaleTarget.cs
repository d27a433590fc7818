namespace Scaler.Signals.Kubernetes;

/// <summary>The object a ScaledObject scales (its <c>spec.scaleTargetRef</c>), as an event's involved object names it.</summary>
/// <param name="ApiVersion">Group and version (<c>apps/v1</c>).</param>
/// <param name="Kind">Kind (<c>Deployment</c>).</param>
/// <param name="Namespace">The ScaledObject's namespace (a scale target lives beside it).</param>
/// <param name="Name">The target's name.</param>
/// <param name="Uid">The target's uid when its cache knows it, else null.</param>
internal sealed record ScaleTarget(string ApiVersion, string Kind, string Namespace, string Name, string? Uid);
