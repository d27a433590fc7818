namespace NvmlExporter.Attribution;

/// <summary>
/// The pod-resources source's health, for the exporter's own metrics. <see cref="Up"/> is whether the
/// latest <c>List</c> succeeded; <see cref="LastSuccess"/> is when one last did (null: never). While
/// <see cref="Up"/> is false the published attribution may still be the last good one, for a grace period.
/// </summary>
public sealed record PodResourcesHealth(bool Up, DateTimeOffset? LastSuccess)
{
    /// <summary>Before the first <c>List</c>, or with attribution disabled.</summary>
    public static PodResourcesHealth Unknown { get; } = new(false, null);
}
