using Scaler.Simulation;

namespace Scaler.Tests.Simulation;

/// <summary>A fact that runs only where the shared Azure trace is present (never copied into the repo).</summary>
public sealed class SharedTraceFactAttribute : FactAttribute
{
    public SharedTraceFactAttribute()
    {
        if (!File.Exists(SharedTrace.Path))
        {
            Skip = $"shared trace absent: expected {SharedTrace.Path} (../shared/traces/ next to the repository)";
        }
    }
}

internal static class SharedTrace
{
    /// <summary>../shared/traces/azure-llm-inference-2023-code.csv relative to the repository root.</summary>
    public static string Path { get; } = Locate();

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Scaler.sln")))
            {
                return System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "traces", "azure-llm-inference-2023-code.csv"));
            }
        }

        return "../shared/traces/azure-llm-inference-2023-code.csv";
    }
}

public class SharedTraceTests
{
    [SharedTraceFact]
    public void Read_SharedAzureCodeTrace_MatchesPublishedStatistics()
    {
        var trace = AzureTraceReader.Read(SharedTrace.Path);

        // reference/performance.md 2.5: 8,819 requests over ~57 min, mean 2.57 req/s.
        Assert.Equal(8819, trace.Requests.Length);
        Assert.InRange(trace.Requests.Length / trace.DurationSeconds, 2.5, 2.6);
    }

    [SharedTraceFact]
    public void Run_SharedAzureCodeTrace_CompositeNeverIdlesToZeroAndServesAll()
    {
        var results = Simulator.Run(AzureTraceReader.Read(SharedTrace.Path), new SimulationOptions()).ToDictionary(r => r.Name);

        Assert.All(results.Values, r => Assert.Equal(8819, r.Requests));
        Assert.Equal(0, results[Policies.Composite].TimeAtZeroSeconds);
        Assert.True(results[Policies.Composite].SloViolations < results[Policies.Hpa].SloViolations);
    }
}
