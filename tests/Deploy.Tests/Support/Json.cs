using System.Globalization;
using System.Text.Json;
using Xunit.Sdk;

namespace Deploy.Tests.Support;

/// <summary>Reading Kubernetes objects by dotted paths of field names (<c>spec.template.spec</c>).</summary>
internal static class Json
{
    /// <summary>The value at <paramref name="path"/>; fails naming the path when a field is missing.</summary>
    public static JsonElement At(this JsonElement element, string path) =>
        element.Find(path) ?? throw new XunitException($"'{path}' is missing from {Describe(element)}.");

    /// <summary>The value at <paramref name="path"/>, or null when a field on the way is missing.</summary>
    public static JsonElement? Find(this JsonElement element, string path)
    {
        var current = element;
        foreach (var name in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return null;
            }
        }

        return current;
    }

    public static string? Text(this JsonElement element, string path) =>
        element.Find(path) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    /// <summary>The elements of the array at <paramref name="path"/>; none when it is missing.</summary>
    public static IEnumerable<JsonElement> Items(this JsonElement element, string path) =>
        element.Find(path) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    /// <summary>The element of the array at <paramref name="path"/> whose <c>name</c> is <paramref name="name"/>.</summary>
    public static JsonElement Named(this JsonElement element, string path, string name) =>
        element.Items(path).Cast<JsonElement?>().FirstOrDefault(e => e!.Value.Text("name") == name)
        ?? throw new XunitException($"No '{name}' in {path} of {Describe(element)}.");

    /// <summary>A Kubernetes memory quantity in bytes (binary and decimal suffixes).</summary>
    public static long Bytes(string quantity)
    {
        (string Suffix, long Scale)[] units = [("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("k", 1000), ("M", 1000_000), ("G", 1000_000_000)];
        foreach (var (suffix, scale) in units)
        {
            if (quantity.EndsWith(suffix, StringComparison.Ordinal))
            {
                return long.Parse(quantity[..^suffix.Length], CultureInfo.InvariantCulture) * scale;
            }
        }

        return long.Parse(quantity, CultureInfo.InvariantCulture);
    }

    /// <summary>A Kubernetes CPU quantity in cores (<c>500m</c> is 0.5, <c>2</c> is 2).</summary>
    public static double Cores(string quantity) => quantity.EndsWith('m')
        ? double.Parse(quantity[..^1], CultureInfo.InvariantCulture) / 1000
        : double.Parse(quantity, CultureInfo.InvariantCulture);

    private static string Describe(JsonElement element) =>
        element.Text("kind") is { } kind ? $"{kind}/{element.Text("metadata.name")}" : element.ValueKind.ToString();
}
