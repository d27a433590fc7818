using System.Text.Json.Serialization;

namespace Scaler.FrontDoors.MetricsApi;

/// <summary>Source-generated JSON for what the door reads (the ConfigMap's lists).</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class MetricsApiJsonContext : JsonSerializerContext;
