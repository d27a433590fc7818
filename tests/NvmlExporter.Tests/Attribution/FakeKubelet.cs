using Grpc.Core;
using Kubelet.PodResources.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace NvmlExporter.Tests.Attribution;

/// <summary>
/// A kubelet's pod-resources endpoint: a real gRPC server (Kestrel, HTTP/2 on a unix socket) serving
/// <c>v1.PodResourcesLister</c>, whose <c>List</c> answer the test sets.
/// </summary>
internal sealed class FakeKubelet : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeKubelet(WebApplication app, FakeKubeletState state)
    {
        _app = app;
        State = state;
    }

    public FakeKubeletState State { get; }

    /// <summary>Serves <paramref name="response"/> on <paramref name="socketPath"/>.</summary>
    public static async Task<FakeKubelet> StartAsync(string socketPath, ListPodResourcesResponse? response = null)
    {
        // Like the kubelet, remove a stale socket left by a previous instance before listening.
        File.Delete(socketPath);
        var state = new FakeKubeletState { Response = response ?? new ListPodResourcesResponse() };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.ListenUnixSocket(socketPath, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(state);
        var app = builder.Build();
        app.MapGrpcService<Lister>();
        await app.StartAsync();
        return new FakeKubelet(app, state);
    }

    /// <summary>Stops serving, as a kubelet that went down.</summary>
    public async Task StopAsync() => await _app.StopAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private sealed class Lister(FakeKubeletState state) : PodResourcesLister.PodResourcesListerBase
    {
        public override async Task<ListPodResourcesResponse> List(ListPodResourcesRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref state.ListCalls);
            if (state.Delay > TimeSpan.Zero)
            {
                await Task.Delay(state.Delay, context.CancellationToken);
            }

            if (state.Failure is { } failure)
            {
                throw new RpcException(failure);
            }

            return state.Response;
        }
    }
}

/// <summary>What the fake kubelet answers; change it while the server runs.</summary>
internal sealed class FakeKubeletState
{
#pragma warning disable CA1051 // A counter the server increments with Interlocked.
    public int ListCalls;
#pragma warning restore CA1051

    public volatile ListPodResourcesResponse Response = new();

    /// <summary>When set, <c>List</c> fails with this status.</summary>
    public Status? Failure { get; set; }

    public TimeSpan Delay { get; set; }
}
