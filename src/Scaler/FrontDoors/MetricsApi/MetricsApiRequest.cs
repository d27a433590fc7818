namespace Scaler.FrontDoors.MetricsApi;

/// <summary>What a path under <c>/apis</c> asks for (reference custom-metrics-hpa.md 1.1, 1.5).</summary>
internal enum MetricsApiRequestKind
{
    /// <summary>Not a path of the groups served.</summary>
    Unknown,

    /// <summary><c>/apis</c>: the groups.</summary>
    Groups,

    /// <summary><c>/apis/{group}</c>.</summary>
    Group,

    /// <summary><c>/apis/{group}/{version}</c>: the metrics served.</summary>
    Resources,

    /// <summary><c>.../namespaces/{ns}/pods/{name or *}/{metric}</c>.</summary>
    Pods,

    /// <summary><c>.../namespaces/{ns}/{resource}/{name}/{metric}</c> for any other resource.</summary>
    Object,

    /// <summary>External metrics: <c>.../namespaces/{ns}/{metric}</c>.</summary>
    External,
}

/// <summary>A parsed request path; the segments a kind does not have are null.</summary>
internal sealed record MetricsApiRequest(MetricsApiRequestKind Kind, string? Group = null, string? Version = null, string? Namespace = null, string? Resource = null, string? Name = null, string? Metric = null)
{
    /// <summary>The longest path segment served: a Kubernetes object name (a DNS-1123 subdomain).</summary>
    public const int MaxSegment = 253;

    /// <summary>Parses a decoded path (<c>%2A</c> already <c>*</c>); <paramref name="external"/>: whether the external group is served.</summary>
    public static MetricsApiRequest Parse(string path, bool external)
    {
        var parts = path.Trim('/').Split('/');
        if (parts.Length == 0 || parts[0] != "apis")
        {
            return new(MetricsApiRequestKind.Unknown);
        }

        if (parts.Length == 1)
        {
            return new(MetricsApiRequestKind.Groups);
        }

        var group = parts[1];
        var versions = group == MetricsApiGroups.Custom ? MetricsApiGroups.CustomVersions
            : group == MetricsApiGroups.External && external ? [MetricsApiGroups.V1Beta1]
            : [];
        // A segment longer than any Kubernetes name (253) names nothing served, and is never echoed.
        if (versions.Length == 0 || parts.Any(p => p.Length is 0 or > MaxSegment))
        {
            return new(MetricsApiRequestKind.Unknown);
        }

        if (parts.Length == 2)
        {
            return new(MetricsApiRequestKind.Group, group);
        }

        var version = parts[2];
        if (!versions.Contains(version, StringComparer.Ordinal))
        {
            return new(MetricsApiRequestKind.Unknown);
        }

        return (group == MetricsApiGroups.Custom, parts[3..]) switch
        {
            (_, []) => new(MetricsApiRequestKind.Resources, group, version),
            (true, ["namespaces", var ns, "pods", var name, var metric]) => new(MetricsApiRequestKind.Pods, group, version, ns, "pods", name, metric),
            (true, ["namespaces", var ns, var resource, var name, var metric]) => new(MetricsApiRequestKind.Object, group, version, ns, resource, name, metric),
            (false, ["namespaces", var ns, var metric]) => new(MetricsApiRequestKind.External, group, version, ns, Metric: metric),
            _ => new(MetricsApiRequestKind.Unknown, group, version),
        };
    }
}
