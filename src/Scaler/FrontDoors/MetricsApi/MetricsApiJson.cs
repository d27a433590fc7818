using System.Globalization;
using System.Text.Json;

namespace Scaler.FrontDoors.MetricsApi;

/// <summary>
/// The wire shapes of the metrics APIs (reference custom-metrics-hpa.md 1.3, 1.5, 1.8), written field by field:
/// <c>MetricValueList</c> (v1beta2: <c>metric.name</c>, <c>metric.selector</c>; v1beta1: <c>metricName</c>, item
/// <c>selector</c>), <c>ExternalMetricValueList</c>, the discovery documents and <c>Status</c> errors. Values are
/// canonical quantity strings (<see cref="Quantity"/>), timestamps RFC 3339 UTC to the second.
/// </summary>
internal static class MetricsApiJson
{
    /// <summary>A <c>MetricValueList</c> of <paramref name="version"/> (v1beta2 or v1beta1).</summary>
    public static void MetricValueList(Utf8JsonWriter w, string version, string metric, IReadOnlyDictionary<string, string>? metricLabels, string @namespace, DateTimeOffset timestamp, IReadOnlyList<MetricItem> items)
    {
        var v1 = version == MetricsApiGroups.V1Beta1;
        var at = Timestamp(timestamp);
        w.WriteStartObject();
        w.WriteString("kind"u8, "MetricValueList"u8);
        w.WriteString("apiVersion"u8, $"{MetricsApiGroups.Custom}/{version}");
        w.WriteStartObject("metadata"u8);
        w.WriteEndObject();
        w.WriteStartArray("items"u8);
        foreach (var item in items)
        {
            w.WriteStartObject();
            w.WriteStartObject("describedObject"u8);
            w.WriteString("kind"u8, item.Kind);
            w.WriteString("namespace"u8, @namespace);
            w.WriteString("name"u8, item.Name);
            w.WriteString("apiVersion"u8, item.ApiVersion);
            w.WriteEndObject();
            if (v1)
            {
                w.WriteString("metricName"u8, metric);
            }
            else
            {
                w.WriteStartObject("metric"u8);
                w.WriteString("name"u8, metric);
                Selector(w, metricLabels);
                w.WriteEndObject();
            }

            w.WriteString("timestamp"u8, at);
            w.WriteString("value"u8, Quantity.Format(item.Value));
            if (v1)
            {
                Selector(w, metricLabels);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>An <c>ExternalMetricValueList</c> (external.metrics.k8s.io/v1beta1) of one series.</summary>
    public static void ExternalMetricValueList(Utf8JsonWriter w, string metric, IReadOnlyDictionary<string, string> labels, DateTimeOffset timestamp, double value)
    {
        w.WriteStartObject();
        w.WriteString("kind"u8, "ExternalMetricValueList"u8);
        w.WriteString("apiVersion"u8, $"{MetricsApiGroups.External}/{MetricsApiGroups.V1Beta1}");
        w.WriteStartObject("metadata"u8);
        w.WriteEndObject();
        w.WriteStartArray("items"u8);
        w.WriteStartObject();
        w.WriteString("metricName"u8, metric);
        w.WriteStartObject("metricLabels"u8);
        foreach (var (key, labelValue) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            w.WriteString(key, labelValue);
        }

        w.WriteEndObject();
        w.WriteString("timestamp"u8, Timestamp(timestamp));
        w.WriteString("value"u8, Quantity.Format(value));
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>An <c>APIResourceList</c> for <paramref name="groupVersion"/>: each resource namespaced, verb get.</summary>
    public static void ApiResourceList(Utf8JsonWriter w, string groupVersion, string kind, IEnumerable<string> resources)
    {
        w.WriteStartObject();
        w.WriteString("kind"u8, "APIResourceList"u8);
        w.WriteString("apiVersion"u8, "v1"u8);
        w.WriteString("groupVersion"u8, groupVersion);
        w.WriteStartArray("resources"u8);
        foreach (var resource in resources)
        {
            w.WriteStartObject();
            w.WriteString("name"u8, resource);
            w.WriteString("singularName"u8, ""u8);
            w.WriteBoolean("namespaced"u8, true);
            w.WriteString("kind"u8, kind);
            w.WriteStartArray("verbs"u8);
            w.WriteStringValue("get"u8);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>An <c>APIGroup</c>; the first version is preferred.</summary>
    public static void ApiGroup(Utf8JsonWriter w, string group, IReadOnlyList<string> versions, bool typed = true)
    {
        w.WriteStartObject();
        if (typed)
        {
            w.WriteString("kind"u8, "APIGroup"u8);
            w.WriteString("apiVersion"u8, "v1"u8);
        }

        w.WriteString("name"u8, group);
        w.WriteStartArray("versions"u8);
        foreach (var version in versions)
        {
            GroupVersion(w, null, group, version);
        }

        w.WriteEndArray();
        GroupVersion(w, "preferredVersion", group, versions[0]);
        w.WriteEndObject();
    }

    /// <summary>An <c>APIGroupList</c> of <paramref name="groups"/>.</summary>
    public static void ApiGroupList(Utf8JsonWriter w, IEnumerable<(string Group, IReadOnlyList<string> Versions)> groups)
    {
        w.WriteStartObject();
        w.WriteString("kind"u8, "APIGroupList"u8);
        w.WriteString("apiVersion"u8, "v1"u8);
        w.WriteStartArray("groups"u8);
        foreach (var (group, versions) in groups)
        {
            ApiGroup(w, group, versions, typed: false);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>A <c>Status</c> failure: <paramref name="reason"/> is Kubernetes' (<c>NotFound</c>, <c>Unauthorized</c>).</summary>
    public static void Status(Utf8JsonWriter w, int code, string reason, string message)
    {
        w.WriteStartObject();
        w.WriteString("kind"u8, "Status"u8);
        w.WriteString("apiVersion"u8, "v1"u8);
        w.WriteStartObject("metadata"u8);
        w.WriteEndObject();
        w.WriteString("status"u8, "Failure"u8);
        w.WriteString("message"u8, message);
        w.WriteString("reason"u8, reason);
        w.WriteNumber("code"u8, code);
        w.WriteEndObject();
    }

    /// <summary>metav1.Time: RFC 3339, UTC, whole seconds.</summary>
    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void GroupVersion(Utf8JsonWriter w, string? property, string group, string version)
    {
        if (property is null)
        {
            w.WriteStartObject();
        }
        else
        {
            w.WriteStartObject(property);
        }

        w.WriteString("groupVersion"u8, $"{group}/{version}");
        w.WriteString("version"u8, version);
        w.WriteEndObject();
    }

    // The selector field has no omitempty upstream: null when the request had no metric label selector.
    private static void Selector(Utf8JsonWriter w, IReadOnlyDictionary<string, string>? labels)
    {
        if (labels is null || labels.Count == 0)
        {
            w.WriteNull("selector"u8);
            return;
        }

        w.WriteStartObject("selector"u8);
        w.WriteStartObject("matchLabels"u8);
        foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            w.WriteString(key, value);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }
}
