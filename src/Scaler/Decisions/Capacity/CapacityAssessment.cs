namespace Scaler.Decisions.Capacity;

/// <summary>What capacity sizing says at one decision.</summary>
/// <param name="Known">Whether the work signals could be read; unknown is never 0.</param>
/// <param name="Required">Replicas the objective needs, as a real number (sizing and standing burst capacity); 0 while the rate window fills.</param>
/// <param name="Proposal">That, rounded up; null while the rate window fills.</param>
/// <param name="Guard">Replicas a saturation guard asks for (KV cache or queue past its limit); null when no guard is hot.</param>
/// <param name="Active">Whether there is work: requests arriving or held.</param>
/// <param name="Note">The numbers, in one line, for the explanation.</param>
/// <param name="State">What to remember for the next decision.</param>
internal sealed record CapacityAssessment(bool Known, double Required, int? Proposal, int? Guard, bool Active, string Note, CapacityState State);
