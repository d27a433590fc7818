namespace Scaler.Decisions;

/// <summary>Replica counts of the scaled workload as the front door sees them.</summary>
/// <param name="Current">Replicas asked for (spec replicas), ready or not.</param>
/// <param name="Ready">Replicas that serve; the rest are warming (loading the model).</param>
internal readonly record struct ReplicaCounts(int Current, int Ready)
{
    public int Warming => Math.Max(0, Current - Ready);
}
