using System.Text.Json.Serialization;

namespace Scaler.Simulation;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(JsonReport))]
internal sealed partial class SimulationJsonContext : JsonSerializerContext;
