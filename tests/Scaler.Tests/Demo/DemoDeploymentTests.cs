using System.Text;
using Scaler.Demo;
using Scaler.Signals.GpuFleet;
using Scaler.Signals.InferenceServer;
using Scaler.Simulation;

namespace Scaler.Tests.Demo;

/// <summary>The simulated deployment as the Scaler's sources read it: pods, vLLM metrics and GPU exporter documents, each parsed by the product's own readers.</summary>
public sealed class DemoDeploymentTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Scale_NewPodsStartOnFreeGpusWithTheirOwnAddressesAndServeAfterStartUp()
    {
        var deployment = Steady(out _);
        deployment.Scale(3);

        var starting = deployment.Pods();
        deployment.AdvanceTo(T0.AddSeconds(60 + 61));
        var started = deployment.Pods();

        Assert.Equal(3, starting.Count);
        Assert.Equal(1, starting.Count(p => p.Ready));
        Assert.Equal(3, started.Count(p => p.Ready));
        Assert.Equal(3, started.Select(p => p.Address).Distinct().Count());
        Assert.Equal(3, started.Select(p => p.GpuUuid).Distinct().Count());
        Assert.All(started, p => Assert.Matches("^llama-vllm-6d5f7c9b8-[bcdfghjklmnpqrstvwxz2456789]{5}$", p.Name));
        Assert.Equal((3, 3), deployment.Counts());
    }

    [Fact]
    public void PodMetrics_ReadByTheProductsWorkReader_EveryFigurePresent()
    {
        var deployment = Steady(out _);
        deployment.AdvanceTo(T0.AddMinutes(3));

        var pod = deployment.Pods().Single();
        var text = deployment.PodMetrics(pod.Address!)!;
        var figures = new WorkMetricReader(WorkMetricNames.Vllm).Read(Encoding.UTF8.GetBytes(text));

        // Steady traffic is 4 requests a second: about 700 finished in 3 minutes on one replica.
        Assert.InRange(figures.Requests!.Value, 500, 800);
        Assert.True(figures.PromptTokens > figures.Requests * 100);
        Assert.True(figures.GenerationTokens > figures.Requests);
        Assert.NotNull(figures.Running);
        Assert.NotNull(figures.Waiting);
        Assert.InRange(figures.KvCacheUse!.Value, 0, 1);
        Assert.True(figures.InterTokenCount > 0);
        Assert.InRange(figures.InterTokenSeconds!.Value / figures.InterTokenCount!.Value, 0.02, 0.2);
    }

    [Fact]
    public void PodMetrics_StartingPodOrUnknownAddress_NoAnswer()
    {
        var deployment = Steady(out _);
        deployment.Scale(2);
        var starting = deployment.Pods().Single(p => !p.Ready);

        Assert.Null(deployment.PodMetrics(starting.Address!));
        Assert.Null(deployment.PodMetrics(new System.Net.IPAddress([127, 0, 0, 99])));
    }

    [Fact]
    public void ExporterMetrics_ReadByTheProductsExporterDocument_ThePodsGpusAttributed()
    {
        var deployment = Steady(out _);
        deployment.Scale(2);
        deployment.AdvanceTo(T0.AddMinutes(2));
        var pods = deployment.Pods();
        var node = deployment.Nodes.Single(n => n.Name == pods[0].Node);
        var keys = pods.Select(p => $"{DemoScaledObject.Namespace}/{p.Name}").ToHashSet(StringComparer.Ordinal);

        var document = ExporterDocument.Parse(Encoding.UTF8.GetBytes(deployment.ExporterMetrics(node.ExporterAddress)!), keys.GetAlternateLookup<ReadOnlySpan<char>>());

        Assert.False(document.NvmlDown);
        Assert.InRange(document.SampleAgeSeconds, 0, 1);
        Assert.Equal(2, document.Devices.Count);
        // Serving steady traffic: the duty cycle is saturated (docs/decisions.md, "How GPU utilization takes part").
        Assert.Contains(document.Devices, d => d.Utilization > 90);
        Assert.All(document.Devices, d => Assert.InRange(d.UsedBytes / d.TotalBytes, 0.3, 0.95));
    }

    [Fact]
    public void Scale_Down_PodLeavesTheListAtOnceItsGpuWhenDrained()
    {
        var deployment = Steady(out _);
        deployment.Scale(2);
        deployment.AdvanceTo(T0.AddMinutes(3));

        deployment.Scale(1);

        Assert.Single(deployment.Pods());
        deployment.AdvanceTo(T0.AddMinutes(5));
        var held = deployment.Nodes.SelectMany(n => n.GpuUuids).Count(g => ExporterHolds(deployment, g));
        Assert.Equal(1, held);
    }

    [Fact]
    public void AdvanceTo_PastTheLoadsEnd_TheNextLoadStarts()
    {
        var deployment = new DemoDeployment(new DemoOptions { Shape = TraceShape.Steady, Duration = TimeSpan.FromMinutes(1) }, T0);

        deployment.AdvanceTo(T0.AddMinutes(3));

        Assert.Matches(@"^demo 00:03:00: .* of (6\d\d|7\d\d) requests over 2 s so far$", deployment.Status());
    }

    private static DemoDeployment Steady(out DemoOptions options)
    {
        options = new DemoOptions { Shape = TraceShape.Steady, Duration = TimeSpan.FromMinutes(10) };
        return new DemoDeployment(options, T0);
    }

    private static bool ExporterHolds(DemoDeployment deployment, string gpu)
    {
        var node = deployment.Nodes.Single(n => n.GpuUuids.Contains(gpu));
        var text = deployment.ExporterMetrics(node.ExporterAddress)!;
        return text.Split('\n').Any(line => line.StartsWith("gpu_memory_used_bytes{", StringComparison.Ordinal) && line.Contains(gpu, StringComparison.Ordinal) && line.Contains("pod=", StringComparison.Ordinal));
    }
}
