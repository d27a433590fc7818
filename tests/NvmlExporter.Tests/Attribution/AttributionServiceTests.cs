using Scaler.Testing;
using Microsoft.Extensions.Logging.Testing;
using System.Diagnostics;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NvmlExporter.Attribution;
using static NvmlExporter.Tests.Attribution.KubeletAnswers;

namespace NvmlExporter.Tests.Attribution;

/// <summary>
/// The attribution loop against a real client and a fake kubelet on a unix socket. Time-driven
/// behaviour runs on a fake clock, one cycle at a time through <c>RefreshAsync</c>.
/// </summary>
public sealed class AttributionServiceTests : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private readonly TempSocketDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(Start);
    private readonly FakeLogger<AttributionService> _log = new();
    private readonly AttributionStore _store = new();
    private readonly PodResourcesClient _client;
    private readonly AttributionService _service;
    private FakeKubelet? _kubelet;

    public AttributionServiceTests()
    {
        _client = new PodResourcesClient(_dir.SocketPath);
        _service = new AttributionService(_client, _store, _time, _log, Interval);
    }

    public async ValueTask DisposeAsync()
    {
        _service.Dispose();
        _client.Dispose();
        if (_kubelet is not null)
        {
            await _kubelet.DisposeAsync();
        }

        _dir.Dispose();
    }

    [Theory]
    // The default 5 s interval: the 30 s floor wins over 3 intervals.
    [InlineData(5, 30)]
    // 10 s: 3 intervals = 30 s, equal to the floor.
    [InlineData(10, 30)]
    // A slow 20 s interval: 3 intervals.
    [InlineData(20, 60)]
    public void GraceFor_Interval_IsThreeIntervalsAtLeastThirtySeconds(int intervalSeconds, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), AttributionService.GraceFor(TimeSpan.FromSeconds(intervalSeconds)));

    [Fact]
    public async Task RefreshAsync_SocketAbsent_PublishesNoneAndLogsOneLine()
    {
        var published = new List<DeviceAttribution>();
        _store.Changed += published.Add;

        for (var cycle = 0; cycle < 5; cycle++)
        {
            await CycleAsync();
        }

        Assert.Same(DeviceAttribution.None, _store.Current);
        Assert.Equal([DeviceAttribution.None], published);
        Assert.Equal(PodResourcesHealth.Unknown, _store.Health);
        var line = Assert.Single(_log.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Equal(102, line.Id.Id);
        Assert.Contains(_dir.SocketPath, line.Message, StringComparison.Ordinal);
        Assert.Contains($"Mount the host directory {_dir.Directory}", line.Message, StringComparison.Ordinal);
        Assert.Contains("run it as root", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefreshAsync_SocketAppearsLater_StartsAttributing()
    {
        await CycleAsync();
        await CycleAsync();

        _kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A));
        await CycleAsync();

        Assert.Equal<PodRef>([new PodRef("llm", "vllm-0", "server")], _store.Current.ForGpu(H100A));
        Assert.Equal([102, 101], EventIds());
    }

    [Fact]
    public async Task RefreshAsync_KubeletAnswers_PublishesAttributionAndHealthUp()
    {
        _kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A));

        await CycleAsync();

        Assert.Equal<PodRef>([new PodRef("llm", "vllm-0", "server")], _store.Current.ForGpu(H100A));
        Assert.Equal(new PodResourcesHealth(true, _time.GetUtcNow()), _store.Health);
        var line = Assert.Single(_log.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Equal(101, line.Id.Id);
    }

    [Fact]
    public async Task RefreshAsync_TimeSlicedGpuWithFourPods_PublishesAllFour()
    {
        _kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, List(
            [.. Enumerable.Range(0, 4).Select(i =>
                Pod("llm", $"chat-{i}", Container("server", Devices("nvidia.com/gpu.shared", $"{H100A}::{i}"))))]));

        await CycleAsync();

        Assert.Equal(["chat-0", "chat-1", "chat-2", "chat-3"], _store.Current.ForGpu(H100A).Select(p => p.Pod));
    }

    [Fact]
    public async Task RefreshAsync_SameAnswerAgain_DoesNotRepublish()
    {
        _kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A));
        var published = 0;
        _store.Changed += _ => published++;

        await CycleAsync();
        await CycleAsync();
        await CycleAsync();

        Assert.Equal(1, published);
        Assert.Equal(3, _kubelet.State.ListCalls);
        Assert.Equal(_time.GetUtcNow(), _store.Health.LastSuccess);
    }

    [Fact]
    public async Task RefreshAsync_PodMoves_RepublishesNewAttribution()
    {
        _kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A));
        await CycleAsync();

        _kubelet.State.Response = OneGpuPod(H100B);
        await CycleAsync();

        Assert.Empty(_store.Current.ForGpu(H100A));
        Assert.Single(_store.Current.ForGpu(H100B));
    }

    [Fact]
    public async Task RefreshAsync_KubeletStoppedMidRun_KeepsLastGoodForGraceThenNone()
    {
        _kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A));
        await CycleAsync();
        var lastGood = _store.Current;
        var lastSuccess = _time.GetUtcNow();

        await _kubelet.StopAsync();

        // Every cycle inside the grace period serves the last good attribution, marked down.
        while (_time.GetUtcNow() + Interval < lastSuccess + Grace)
        {
            await CycleAsync();
            Assert.Same(lastGood, _store.Current);
            Assert.Equal(new PodResourcesHealth(false, lastSuccess), _store.Health);
        }

        _time.SetUtcNow(lastSuccess + Grace);
        await _service.RefreshAsync(CancellationToken.None);

        Assert.Same(DeviceAttribution.None, _store.Current);
        Assert.Equal(new PodResourcesHealth(false, lastSuccess), _store.Health);

        // Still down: nothing more is published or logged.
        var linesWhenDropped = _log.Collector.GetSnapshot().Count;
        for (var cycle = 0; cycle < 5; cycle++)
        {
            await CycleAsync();
        }

        Assert.Same(DeviceAttribution.None, _store.Current);
        Assert.Equal(linesWhenDropped, _log.Collector.GetSnapshot().Count);
        Assert.Equal([101, 104, 105], EventIds());
    }

    [Fact]
    public async Task RefreshAsync_KubeletKilledLeavingStaleSocket_KeepsLastGoodForGraceThenNone()
    {
        _kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A));
        await CycleAsync();
        var lastSuccess = _time.GetUtcNow();
        await _kubelet.StopAsync();
        await _kubelet.DisposeAsync();
        _kubelet = null;

        // A killed kubelet leaves its socket file: connections are refused rather than the file missing.
        File.Delete(_dir.SocketPath);
        using var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        stale.Bind(new UnixDomainSocketEndPoint(_dir.SocketPath));
        await CycleAsync();

        Assert.Single(_store.Current.ForGpu(H100A));
        Assert.Equal(new PodResourcesHealth(false, lastSuccess), _store.Health);
        var failed = _log.Collector.GetSnapshot()[^1];
        Assert.Equal(104, failed.Id.Id);
        Assert.Contains("Failed", failed.Message, StringComparison.Ordinal);

        _time.SetUtcNow(lastSuccess + Grace);
        await _service.RefreshAsync(CancellationToken.None);

        Assert.Same(DeviceAttribution.None, _store.Current);
        Assert.Equal([101, 104, 105], EventIds());
    }

    [Fact]
    public async Task RefreshAsync_KubeletReturnsErrors_KeepsLastGoodAndLogsOnce()
    {
        _kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A));
        await CycleAsync();

        _kubelet.State.Failure = new Status(StatusCode.Unavailable, "kubelet is shutting down");
        for (var cycle = 0; cycle < 4; cycle++)
        {
            await CycleAsync();
        }

        Assert.Single(_store.Current.ForGpu(H100A));
        Assert.False(_store.Health.Up);
        Assert.Equal([101, 104], EventIds());
        Assert.Contains("kubelet is shutting down", _log.Collector.GetSnapshot()[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefreshAsync_KubeletRestartedAfterGrace_AttributionReturns()
    {
        _kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A, pod: "before"));
        await CycleAsync();
        await _kubelet.StopAsync();
        await _kubelet.DisposeAsync();
        _time.Advance(Grace);
        await CycleAsync();
        Assert.Same(DeviceAttribution.None, _store.Current);

        _kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A, pod: "after"));
        await CycleAsync();

        Assert.Equal<PodRef>([new PodRef("llm", "after", "server")], _store.Current.ForGpu(H100A));
        Assert.Equal(new PodResourcesHealth(true, _time.GetUtcNow()), _store.Health);
        Assert.Equal(101, _log.Collector.GetSnapshot()[^1].Id.Id);
    }

    [Fact]
    public async Task RefreshAsync_KubeletRestartedWithinGrace_NeverDropsAttribution()
    {
        _kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A, pod: "before"));
        var published = new List<DeviceAttribution>();
        _store.Changed += published.Add;
        await CycleAsync();
        await _kubelet.StopAsync();
        await _kubelet.DisposeAsync();
        await CycleAsync();

        _kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A, pod: "after"));
        await CycleAsync();

        Assert.Equal(2, published.Count);
        Assert.DoesNotContain(DeviceAttribution.None, published);
        Assert.Equal("after", Assert.Single(_store.Current.ForGpu(H100A)).Pod);
    }

    [Fact]
    public async Task RefreshAsync_ChangedHandlerThrows_DoesNotThrowAndLogsOnce()
    {
        _kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A));
        _store.Changed += _ => throw new InvalidOperationException("renderer bug");

        await CycleAsync();
        _kubelet.State.Response = OneGpuPod(H100B);
        await CycleAsync();

        Assert.Single(_log.Collector.GetSnapshot(), e => e.Level == LogLevel.Error);
    }

    [Fact]
    public async Task RefreshAsync_SourceThrows_ReportsDownInsteadOfThrowing()
    {
        using var service = new AttributionService(new ThrowingSource(), _store, _time, _log, Interval);

        await service.RefreshAsync(CancellationToken.None);

        Assert.Same(DeviceAttribution.None, _store.Current);
        Assert.False(_store.Health.Up);
        Assert.Equal(106, Assert.Single(_log.Collector.GetSnapshot()).Id.Id);
    }

    [Fact]
    public async Task ExecuteAsync_Running_ListsFirstAtStartThenEveryInterval()
    {
        _kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A, pod: "first"));

        await _service.StartAsync(CancellationToken.None);
        await EventuallyAsync(() => _store.Current.ForGpu(H100A) is [{ Pod: "first" }]);

        _kubelet.State.Response = OneGpuPod(H100A, pod: "second");
        await EventuallyAsync(() => _store.Current.ForGpu(H100A) is [{ Pod: "second" }], nudge: () => _time.Advance(Interval));

        await _service.StopAsync(CancellationToken.None);
        Assert.NotNull(_service.ExecuteTask);
        Assert.True(_service.ExecuteTask.IsCompletedSuccessfully);
    }

    // One tick of the loop: an interval passes, then a List. The fake clock reads the cycle's time afterwards.
    private async Task CycleAsync()
    {
        _time.Advance(Interval);
        await _service.RefreshAsync(CancellationToken.None);
    }

    private int[] EventIds() => [.. _log.Collector.GetSnapshot().Select(e => e.Id.Id)];

    // Real I/O (the first List) happens on the loop's own schedule: poll with a bound, never sleep-and-assert.
    private static Task EventuallyAsync(Func<bool> condition, Action? nudge = null, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(condition))] string? what = null) =>
        Eventually.HoldsAsync(condition, tick: nudge, what: what);

    private sealed class ThrowingSource : IPodResourcesSource
    {
        public string Address => "/nonexistent/kubelet.sock";

        public Task<PodResourcesReading> ListAsync(CancellationToken cancellationToken) =>
            throw new InvalidOperationException("source bug");
    }
}
