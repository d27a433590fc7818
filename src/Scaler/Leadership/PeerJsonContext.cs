using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scaler.Leadership;

/// <summary>The peer protocol's JSON (source-generated: no reflection).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PeerDecideRequest))]
[JsonSerializable(typeof(DecisionAnswer))]
[JsonSerializable(typeof(PeerError))]
[JsonSerializable(typeof(ScaleTargetRequest))]
[JsonSerializable(typeof(ScaleTargetAnswer))]
internal sealed partial class PeerJsonContext : JsonSerializerContext;
