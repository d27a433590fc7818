namespace Scaler.Simulation;

/// <summary>Part of a run: the requests that arrived in it and the GPU-hours paid in it.</summary>
internal readonly record struct ResultSegment(double GpuHours, int Requests, int SloViolations)
{
    public double SloAttainment => Requests == 0 ? 1 : 1 - (SloViolations / (double)Requests);

    public double ViolationShare => Requests == 0 ? 0 : SloViolations / (double)Requests;
}
