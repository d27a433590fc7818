namespace Scaler.FrontDoors.Keda;

/// <summary>The explanation endpoint's JSON, source-generated (camelCase).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(DecisionView))]
[System.Text.Json.Serialization.JsonSerializable(typeof(DecisionView[]))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class DecisionJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
