using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using k8s;

namespace Deploy.Tests.Support;

/// <summary>
/// The unknown-field check the schema packages leave out (Kubernetes' OpenAPI schemas allow extra fields):
/// a built-in kind is read into KubernetesClient's model type, generated from the same OpenAPI document,
/// with unmapped members refused, as <c>kubectl apply --validate=strict</c> would refuse them. CRD kinds have
/// no model type here and are skipped.
/// </summary>
internal static class StrictFields
{
    private static readonly Lazy<JsonSerializerOptions> Options = new(() =>
    {
        JsonSerializerOptions? copy = null;
        KubernetesJson.AddJsonOptions(o => copy = new JsonSerializerOptions(o));
        copy!.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
        return copy;
    });

    private static readonly FrozenDictionary<string, Type> Models = typeof(k8s.Models.V1Pod).Assembly.GetTypes()
        .Where(t => t.Namespace == "k8s.Models" && t.GetField("KubeKind") is not null && t.GetField("KubeApiVersion") is not null)
        .GroupBy(ApiVersionAndKind)
        .ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>The model type for an object, or null for a kind KubernetesClient does not know (a CRD).</summary>
    public static Type? ModelFor(JsonElement element) =>
        Models.GetValueOrDefault($"{element.Text("apiVersion")}/{element.Text("kind")}");

    /// <summary>Null when every field is one the kind has; else the deserializer's complaint.</summary>
    public static string? Check(JsonElement element)
    {
        var type = ModelFor(element) ?? throw new InvalidOperationException($"no model type for {element.Text("apiVersion")}/{element.Text("kind")}");
        try
        {
            _ = JsonSerializer.Deserialize(element.GetRawText(), type, Options.Value);
            return null;
        }
        catch (JsonException e)
        {
            return e.Message;
        }
    }

    private static string ApiVersionAndKind(Type type)
    {
        var group = (string?)type.GetField("KubeGroup", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
        var version = (string)type.GetField("KubeApiVersion", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        var kind = (string)type.GetField("KubeKind", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        return string.IsNullOrEmpty(group) ? $"{version}/{kind}" : $"{group}/{version}/{kind}";
    }
}
