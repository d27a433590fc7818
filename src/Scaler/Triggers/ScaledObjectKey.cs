namespace Scaler.Triggers;

/// <summary>The object a trigger scales, as KEDA names it (<c>ScaledObjectRef</c>): the key of its state and its metric name.</summary>
internal sealed record ScaledObjectKey(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}
