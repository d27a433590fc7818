namespace NvmlExporter.Attribution;

/// <summary>Holds the latest <see cref="DeviceAttribution"/>; the metrics document re-renders when it changes.</summary>
public sealed class AttributionStore
{
    private volatile DeviceAttribution _current = DeviceAttribution.None;
    private volatile PodResourcesHealth _health = PodResourcesHealth.Unknown;

    public DeviceAttribution Current => _current;

    /// <summary>The pod-resources source's health, updated every attribution cycle without raising <see cref="Changed"/>; read it when rendering.</summary>
    public PodResourcesHealth Health => _health;

    /// <summary>Raised after <see cref="Publish"/> on the publishing thread.</summary>
    public event Action<DeviceAttribution>? Changed;

    public void Publish(DeviceAttribution attribution)
    {
        _current = attribution;
        Changed?.Invoke(attribution);
    }

    public void PublishHealth(PodResourcesHealth health) => _health = health;
}
