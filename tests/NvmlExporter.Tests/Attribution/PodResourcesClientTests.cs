using System.Net.Sockets;
using Grpc.Core;
using NvmlExporter.Attribution;
using static NvmlExporter.Tests.Attribution.KubeletAnswers;

namespace NvmlExporter.Tests.Attribution;

public sealed class PodResourcesClientTests : IDisposable
{
    private readonly TempSocketDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ListAsync_NoSocket_ReturnsSocketAbsent()
    {
        using var client = new PodResourcesClient(_dir.SocketPath);

        var reading = await client.ListAsync(CancellationToken.None);

        Assert.Equal(PodResourcesStatus.SocketAbsent, reading.Status);
        Assert.Null(reading.Response);
    }

    [Fact]
    public async Task ListAsync_KubeletServing_ReturnsItsAnswer()
    {
        await using var kubelet = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A));
        using var client = new PodResourcesClient(_dir.SocketPath);

        var reading = await client.ListAsync(CancellationToken.None);

        Assert.Equal(PodResourcesStatus.Ok, reading.Status);
        var pod = Assert.Single(reading.Response!.PodResources);
        Assert.Equal("vllm-0", pod.Name);
        Assert.Equal(H100A, pod.Containers[0].Devices[0].DeviceIds[0]);
    }

    [Fact]
    public async Task ListAsync_KubeletReturnsError_ReturnsFailedWithStatus()
    {
        await using var kubelet = await FakeKubelet.StartAsync(_dir.SocketPath);
        kubelet.State.Failure = new Status(StatusCode.ResourceExhausted, "rate limited");
        using var client = new PodResourcesClient(_dir.SocketPath);

        var reading = await client.ListAsync(CancellationToken.None);

        Assert.Equal(PodResourcesStatus.Failed, reading.Status);
        Assert.Contains("ResourceExhausted", reading.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_KubeletSlowerThanTimeout_ReturnsFailedDeadlineExceeded()
    {
        await using var kubelet = await FakeKubelet.StartAsync(_dir.SocketPath);
        kubelet.State.Delay = TimeSpan.FromSeconds(30);
        using var client = new PodResourcesClient(_dir.SocketPath, timeout: TimeSpan.FromMilliseconds(200));

        var reading = await client.ListAsync(CancellationToken.None);

        Assert.Equal(PodResourcesStatus.Failed, reading.Status);
        Assert.Contains("DeadlineExceeded", reading.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_StaleSocketWithoutListener_ReturnsFailed()
    {
        // A killed kubelet leaves its socket file behind: connecting is refused. A bound socket that never
        // listens is that file (kept open: .NET removes the file when the socket is disposed).
        using var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        stale.Bind(new UnixDomainSocketEndPoint(_dir.SocketPath));
        using var client = new PodResourcesClient(_dir.SocketPath);

        var reading = await client.ListAsync(CancellationToken.None);

        Assert.True(File.Exists(_dir.SocketPath));
        Assert.Equal(PodResourcesStatus.Failed, reading.Status);
        Assert.Contains("Unavailable", reading.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_KubeletRestarted_ReconnectsToNewSocket()
    {
        using var client = new PodResourcesClient(_dir.SocketPath);
        var first = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A, pod: "before"));
        Assert.Equal(PodResourcesStatus.Ok, (await client.ListAsync(CancellationToken.None)).Status);

        await first.StopAsync();
        await first.DisposeAsync();
        var whileDown = await client.ListAsync(CancellationToken.None);
        await using var second = await FakeKubelet.StartAsync(_dir.SocketPath, OneGpuPod(H100A, pod: "after"));
        var afterRestart = await client.ListAsync(CancellationToken.None);

        Assert.NotEqual(PodResourcesStatus.Ok, whileDown.Status);
        Assert.Equal(PodResourcesStatus.Ok, afterRestart.Status);
        Assert.Equal("after", afterRestart.Response!.PodResources[0].Name);
    }

    [Fact]
    public async Task ListAsync_Cancelled_ThrowsOperationCanceled()
    {
        await using var kubelet = await FakeKubelet.StartAsync(_dir.SocketPath);
        kubelet.State.Delay = TimeSpan.FromSeconds(30);
        using var client = new PodResourcesClient(_dir.SocketPath);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ListAsync(cts.Token));
    }

    [Fact]
    public void Classify_ConnectPermissionDenied_ReturnsPermissionDenied()
    {
        // What a non-root container gets from the root-only socket: EACCES on connect, wrapped by gRPC.
        var error = new RpcException(new Status(
            StatusCode.Unavailable,
            "Error connecting to subchannel.",
            new HttpRequestException("Permission denied", new SocketException((int)SocketError.AccessDenied))));

        var reading = PodResourcesClient.Classify(error, socketExists: true);

        Assert.Equal(PodResourcesStatus.PermissionDenied, reading.Status);
    }

    [Fact]
    public void Classify_SocketGoneDuringCall_ReturnsSocketAbsent()
    {
        var reading = PodResourcesClient.Classify(new RpcException(new Status(StatusCode.Unavailable, "gone")), socketExists: false);

        Assert.Equal(PodResourcesStatus.SocketAbsent, reading.Status);
    }
}
