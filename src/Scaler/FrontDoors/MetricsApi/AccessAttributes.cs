namespace Scaler.FrontDoors.MetricsApi;

/// <summary>
/// What a request asks to do, as a SubjectAccessReview states it: a resource request (<c>get</c> on
/// <c>pods</c>, name <c>*</c>, subresource <c>DCGM_FI_DEV_GPU_UTIL</c> in group <c>custom.metrics.k8s.io</c>) or,
/// with <see cref="Resource"/> null, a non-resource path (discovery).
/// </summary>
internal sealed record AccessAttributes(string Verb, string Path, string? Group = null, string? Version = null, string? Resource = null, string? Namespace = null, string? Name = null, string? Subresource = null)
{
    public override string ToString() => Resource is null
        ? $"{Verb} {Path}"
        : $"{Verb} {Resource}{(Subresource is null ? "" : "/" + Subresource)} {Name} in namespace {Namespace} (group {Group})";
}
