using Scaler.Simulation;

namespace Scaler.Tests.Simulation;

/// <summary>The classic deployment model: prefill, batching, start-up delay and the saturating duty cycle.</summary>
public class ClassicDeploymentTests
{
    private const double Tick = Simulator.TickSeconds;

    [Fact]
    public void Step_OneRequest_FirstTokenAfterItsPrefill()
    {
        var deployment = new ClassicDeployment(Classic(), Tick);
        var request = new ActiveRequest(new TraceRequest(0, 4000, 10));
        deployment.Enqueue(request, 0);

        Run(deployment, 0, 2);

        Assert.Equal(0.5, request.Wait, 6);
    }

    [Fact]
    public void Step_TwoPrompts_ServedFirstComeFirstServed()
    {
        var deployment = new ClassicDeployment(Classic(), Tick);
        var first = new ActiveRequest(new TraceRequest(0, 8000, 1));
        var second = new ActiveRequest(new TraceRequest(0, 8000, 1));
        deployment.Enqueue(first, 0);
        deployment.Enqueue(second, 0);

        Run(deployment, 0, 3);

        Assert.Equal(1.0, first.Wait, 6);
        Assert.Equal(2.0, second.Wait, 6);
    }

    [Fact]
    public void Scale_NewReplica_ServesOnlyAfterStartupDelay()
    {
        var deployment = new ClassicDeployment(Classic() with { InitialReplicas = 0, StartupDelay = TimeSpan.FromSeconds(60) }, Tick);
        var request = new ActiveRequest(new TraceRequest(0, 800, 1));
        deployment.Enqueue(request, 0);
        deployment.Scale(1, 0);

        Run(deployment, 0, 61);

        Assert.Equal(60.1, request.Wait, 6);
        var observation = deployment.Observe(61);
        Assert.Equal(new ClusterObservation(1, 1, 0, 0, 0.0), observation with { GpuUtilization = 0.0, KvCacheUsage = null, Counters = default });
        Assert.Equal(new WorkCounters(1, 800, 1), observation.Counters);
    }

    [Fact]
    public void Observe_OneLongStream_ReadsSaturatedWhileUsingOneSlotOfSixteen()
    {
        // Continuous batching: one decoding stream keeps kernels running, so the duty cycle reads ~100%.
        var deployment = new ClassicDeployment(Classic(), Tick);
        deployment.Enqueue(new ActiveRequest(new TraceRequest(0, 100, 4000)), 0);

        Run(deployment, 0, 40);
        var observation = deployment.Observe(40);

        Assert.Equal(1, observation.Outstanding);
        Assert.True(observation.GpuUtilization > 0.95, $"{observation.GpuUtilization}");
    }

    [Fact]
    public void Scale_Down_DrainsBusyReplicaAndKeepsPayingUntilDone()
    {
        var deployment = new ClassicDeployment(Classic() with { InitialReplicas = 2 }, Tick);
        var request = new ActiveRequest(new TraceRequest(0, 100, 400));
        deployment.Enqueue(request, 0);
        Run(deployment, 0, 1);

        deployment.Scale(0, 1);

        Assert.Equal(1, deployment.Existing);
        Assert.Equal(0, deployment.Observe(1).Current);
        Run(deployment, 1, 20);
        Assert.Equal(0, deployment.Existing);
        Assert.Equal(0, deployment.Outstanding);
    }

    private static DeploymentOptions Classic() => DeploymentOptions.ClassicPreset;

    private static void Run(ClassicDeployment deployment, double from, double to)
    {
        for (var t = from; t < to - 1e-9; t += Tick)
        {
            deployment.Step(Math.Round(t / Tick) * Tick);
        }
    }
}
