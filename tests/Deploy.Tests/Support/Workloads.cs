using System.Text.Json;
using Xunit.Sdk;

namespace Deploy.Tests.Support;

/// <summary>Pod templates, containers and ports as the kubelet and Services resolve them.</summary>
internal static class Workloads
{
    public static JsonElement PodSpec(this JsonElement workload) => workload.At("spec.template.spec");

    public static JsonElement Container(this JsonElement workload, string name) => workload.PodSpec().Named("containers", name);

    /// <summary>A probe's or a Service's target port: a number, or the name of one of the container's ports.</summary>
    public static int ResolvePort(this JsonElement container, JsonElement port) => port.ValueKind switch
    {
        JsonValueKind.Number => port.GetInt32(),
        JsonValueKind.String => container.Named("ports", port.GetString()!).At("containerPort").GetInt32(),
        _ => throw new XunitException($"A port is a number or a name, not {port.ValueKind}."),
    };

    /// <summary>Whether <paramref name="selector"/> (a map of labels) selects an object with <paramref name="labels"/>.</summary>
    public static bool Selects(this JsonElement selector, JsonElement labels) =>
        selector.EnumerateObject().All(s => labels.Property(s.Name) == s.Value.GetString());

    /// <summary>A string field by its exact name, for names with dots such as labels (<c>app.kubernetes.io/name</c>).</summary>
    public static string? Property(this JsonElement map, string name) =>
        map.ValueKind == JsonValueKind.Object && map.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
