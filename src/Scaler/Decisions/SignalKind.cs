namespace Scaler.Decisions;

/// <summary>How a signal's value maps to replicas; the Kubernetes HPA semantics for each shape.</summary>
internal enum SignalKind
{
    /// <summary>A per-replica average such as GPU utilization (0..1): desired = ceil(ready × value / target).</summary>
    Average,

    /// <summary>A total across the workload such as pending requests or queue depth: desired = ceil(value / target).</summary>
    Total,
}
