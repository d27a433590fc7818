using Scaler.Simulation;

namespace Scaler.Tests.Simulation;

/// <summary>
/// The vLLM-like server: step time from the tokens in the step, chunked prefill sharing the budget with
/// decodes, admission by KV tokens and the sequence cap, preemption, per-pod queues and scale-down order.
/// </summary>
public class VllmDeploymentTests
{
    private const double Tick = Simulator.TickSeconds;

    private static readonly VllmServerOptions Server = new();

    [Theory]
    // a prompt that fits one step: overhead + its compute + reading its own KV
    [InlineData(1000, new[] { 1000 })]
    // a prompt longer than the 2,048-token budget is chunked; each chunk reads the KV written before it
    [InlineData(5000, new[] { 2048, 2048, 904 })]
    // exactly the budget: one step
    [InlineData(2048, new[] { 2048 })]
    public void Step_OnePrompt_FirstTokenAtTheEndOfItsLastChunk(int prompt, int[] chunks)
    {
        var deployment = new VllmDeployment(new DeploymentOptions(), Tick);
        var request = new ActiveRequest(new TraceRequest(0, prompt, 1));
        deployment.Enqueue(request, 0);

        Run(deployment, 0, 5);

        double expected = 0;
        var held = 0;
        foreach (var chunk in chunks)
        {
            held += chunk;
            expected += Server.StepSeconds(chunk, held);
        }

        Assert.Equal(expected, request.Wait, 9);
    }

    [Fact]
    public void Step_MoreStreams_EachStreamDecodesSlower()
    {
        // Step time grows with the tokens in the step: 64 streams take longer per token than one.
        var alone = DecodeFinish(streams: 1);
        var crowded = DecodeFinish(streams: 64);

        Assert.True(crowded > alone * 1.2, $"alone {alone:0.00} s, among 64 {crowded:0.00} s");

        // Yet the batch is far more productive: 64 streams finish in much less than 64 times one.
        Assert.True(crowded < alone * 4, $"alone {alone:0.00} s, among 64 {crowded:0.00} s");
    }

    [Fact]
    public void Step_PromptArrivesDuringDecode_SharesTheStepAndSlowsTheStreams()
    {
        static double StreamFinish(bool withPrompt)
        {
            var deployment = new VllmDeployment(new DeploymentOptions(), Tick);
            var stream = new ActiveRequest(new TraceRequest(0, 100, 200));
            deployment.Enqueue(stream, 0);
            double finished = double.NaN;
            for (var t = 0.0; t < 30 && double.IsNaN(finished); t += Tick)
            {
                var now = Math.Round(t / Tick) * Tick;
                if (withPrompt && Math.Abs(now - 1) < 1e-9)
                {
                    deployment.Enqueue(new ActiveRequest(new TraceRequest(1, 8000, 1)), now);
                }

                deployment.Step(now);
                if (deployment.Observe(now + Tick).Counters.FinishedRequests >= 1 && stream.DecodeLeft <= 0)
                {
                    finished = now + Tick;
                }
            }

            return finished;
        }

        // 8,000 prompt tokens in 2,048-token chunks ride along with the stream's decodes: each of those
        // steps takes ~250 ms instead of ~25 ms.
        Assert.True(StreamFinish(withPrompt: true) > StreamFinish(withPrompt: false) + 0.5);
    }

    [Fact]
    public void Step_KvCacheFull_NextRequestWaitsForAdmission()
    {
        // Room for one 3,000-token request at a time.
        var options = new DeploymentOptions { Vllm = new VllmServerOptions { KvCacheTokens = 4000 } };
        var deployment = new VllmDeployment(options, Tick);
        var first = new ActiveRequest(new TraceRequest(0, 3000, 400));
        var second = new ActiveRequest(new TraceRequest(0, 3000, 1));
        deployment.Enqueue(first, 0);
        deployment.Enqueue(second, 0);

        Run(deployment, 0, 2);

        Assert.True(first.HasFirstToken);
        Assert.False(second.HasFirstToken);
        Assert.Equal(1, deployment.Observe(2).Waiting);

        Run(deployment, 2, 60);

        Assert.True(second.HasFirstToken);
        Assert.True(second.FirstTokenAt > first.FirstTokenAt + 5, "admitted only when the first one left the cache");
    }

    [Fact]
    public void Step_SequenceCap_HoldsTheRestInTheQueue()
    {
        var options = new DeploymentOptions { Vllm = new VllmServerOptions { MaxNumSeqs = 2, MaxBatchedTokens = 4096 } };
        var deployment = new VllmDeployment(options, Tick);
        for (var i = 0; i < 3; i++)
        {
            deployment.Enqueue(new ActiveRequest(new TraceRequest(0, 100, 500)), 0);
        }

        Run(deployment, 0, 1);

        var observation = deployment.Observe(1);
        Assert.Equal(2, observation.Running);
        Assert.Equal(1, observation.Waiting);
    }

    [Fact]
    public void Step_CacheFillsWhileDecoding_NewestIsPreemptedAndEveryRequestStillFinishes()
    {
        // Two requests admitted together outgrow a 1,200-token cache while they decode.
        var options = new DeploymentOptions { Vllm = new VllmServerOptions { KvCacheTokens = 1200 } };
        var deployment = new VllmDeployment(options, Tick);
        var older = new ActiveRequest(new TraceRequest(0, 300, 500));
        var newer = new ActiveRequest(new TraceRequest(0, 300, 500));
        deployment.Enqueue(older, 0);
        deployment.Enqueue(newer, 0);

        Run(deployment, 0, 120);

        Assert.True(deployment.Preemptions > 0);
        Assert.Equal(0, deployment.Outstanding);
        var counters = deployment.Observe(120).Counters;
        Assert.Equal(new WorkCounters(2, 600, 1000), counters with { InterTokenSeconds = 0, InterTokenCount = 0 });

        // Every token after the first is one inter-token latency.
        Assert.Equal(998, counters.InterTokenCount);
    }

    [Fact]
    public void Scale_ServiceRouting_NewReplicaTakesNoBacklog()
    {
        // A Service commits each request to a pod at arrival: the backlog stays on the old pod.
        var options = new DeploymentOptions { StartupDelay = TimeSpan.FromSeconds(10), Vllm = new VllmServerOptions { MaxNumSeqs = 1 } };
        var deployment = new VllmDeployment(options, Tick);
        for (var i = 0; i < 20; i++)
        {
            deployment.Enqueue(new ActiveRequest(new TraceRequest(0, 100, 200)), 0);
        }

        deployment.Scale(2, 0);
        Run(deployment, 0, 11);

        var observation = deployment.Observe(11);
        Assert.Equal(2, observation.Ready);
        Assert.Equal(1, observation.Running);
    }

    [Fact]
    public void Scale_GatewayRouting_NewReplicaTakesTheBacklog()
    {
        var options = new DeploymentOptions { Routing = Routing.Gateway, StartupDelay = TimeSpan.FromSeconds(10), Vllm = new VllmServerOptions { MaxNumSeqs = 1 } };
        var deployment = new VllmDeployment(options, Tick);
        for (var i = 0; i < 20; i++)
        {
            deployment.Enqueue(new ActiveRequest(new TraceRequest(0, 100, 200)), 0);
        }

        deployment.Scale(2, 0);
        Run(deployment, 0, 11);

        Assert.Equal(2, deployment.Observe(11).Running);
    }

    [Fact]
    public void Scale_Down_RemovesNotReadyFirstThenTheNewestReady()
    {
        var options = new DeploymentOptions { InitialReplicas = 2, StartupDelay = TimeSpan.FromSeconds(10) };
        var deployment = new VllmDeployment(options, Tick);
        deployment.Scale(3, 5);

        // At 20 s the third replica (ready at 15 s) is the newest ready one.
        deployment.Scale(2, 20);
        var afterFirst = deployment.Observe(20);
        deployment.Scale(4, 20);
        deployment.Scale(2, 21);

        Assert.Equal(new ClusterObservation(2, 2, 0, 0, afterFirst.GpuUtilization), afterFirst with { KvCacheUsage = null, Counters = default });
        var observation = deployment.Observe(21);
        Assert.Equal(2, observation.Current);
        Assert.Equal(2, observation.Ready);
    }

    [Fact]
    public void Replicas_OwnCountersSumToTheDeploymentsTotals()
    {
        // Each replica counts what it served, as its own vLLM server would; nothing is lost or counted twice.
        var deployment = new VllmDeployment(new DeploymentOptions { InitialReplicas = 3 }, Tick);
        var random = new Random(5);
        for (var i = 0; i < 60; i++)
        {
            deployment.Enqueue(new ActiveRequest(new TraceRequest(i * 0.5, 200 + random.Next(2000), 1 + random.Next(300))), i * 0.5);
        }

        Run(deployment, 0, 120);

        var total = deployment.Observe(120).Counters;
        var sum = deployment.Replicas.Aggregate(default(WorkCounters), (acc, r) => acc + r.Counters);
        Assert.Equal(60, total.FinishedRequests);
        Assert.Equal(total with { InterTokenSeconds = 0 }, sum with { InterTokenSeconds = 0 });
        Assert.Equal(total.InterTokenSeconds, sum.InterTokenSeconds, 6);
        Assert.All(deployment.Replicas, r => Assert.True(r.Counters.FinishedRequests > 0, $"replica {r.Id} served nothing"));
    }

    [Fact]
    public void Observe_NoReadyReplica_RequestsWaitAtTheEntryAndCount()
    {
        var deployment = new VllmDeployment(new DeploymentOptions { InitialReplicas = 0 }, Tick);
        deployment.Enqueue(new ActiveRequest(new TraceRequest(0, 100, 5)), 0);

        var observation = deployment.Observe(0);

        Assert.Equal(new ClusterObservation(0, 0, 1, 1, null), observation with { Counters = default });
    }

    [Fact]
    public void Observe_Busy_ReportsKvUseAndSaturatedDutyCycle()
    {
        var deployment = new VllmDeployment(new DeploymentOptions(), Tick);
        deployment.Enqueue(new ActiveRequest(new TraceRequest(0, 4000, 4000)), 0);

        Run(deployment, 0, 10);
        var observation = deployment.Observe(10);

        // One stream keeps the engine stepping: 100% duty cycle while the cache is nearly empty.
        Assert.True(observation.GpuUtilization > 0.95, $"{observation.GpuUtilization}");
        Assert.InRange(observation.KvCacheUsage!.Value, 4000.0 / Server.KvCacheTokens, 5000.0 / Server.KvCacheTokens);
    }

    private static double DecodeFinish(int streams)
    {
        var deployment = new VllmDeployment(new DeploymentOptions(), Tick);
        for (var i = 0; i < streams; i++)
        {
            deployment.Enqueue(new ActiveRequest(new TraceRequest(0, 20, 200)), 0);
        }

        for (var t = 0.0; t < 120; t += Tick)
        {
            var now = Math.Round(t / Tick) * Tick;
            deployment.Step(now);
            if (deployment.Outstanding == 0)
            {
                return now + Tick;
            }
        }

        return double.PositiveInfinity;
    }

    private static void Run(VllmDeployment deployment, double from, double to)
    {
        for (var t = from; t < to - 1e-9; t += Tick)
        {
            deployment.Step(Math.Round(t / Tick) * Tick);
        }
    }
}
