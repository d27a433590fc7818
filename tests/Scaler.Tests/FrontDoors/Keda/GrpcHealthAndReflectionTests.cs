using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>
/// grpc.health.v1 and server reflection on the gRPC port of the host as Program.cs composes it: what Kubernetes'
/// gRPC probes, grpc_health_probe and grpcurl ask for.
/// </summary>
public sealed class GrpcHealthAndReflectionTests : IAsyncLifetime
{
    private const string KedaService = "externalscaler.ExternalScaler";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private KedaScalerHost _host = null!;

    public async Task InitializeAsync() => _host = await KedaScalerHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    // The whole server: what a Kubernetes grpc probe asks when no service is set.
    [InlineData("")]
    // The KEDA external scaler by its full name.
    [InlineData(KedaService)]
    public async Task Check_ServedService_Serving(string service)
    {
        var health = new Health.HealthClient(_host.Channel);

        using var timeout = new CancellationTokenSource(Patience);
        var response = await health.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: timeout.Token);

        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Theory]
    // Not a service of this server.
    [InlineData("grpc.example.Unknown")]
    // The C# name of the KEDA service is not its wire name.
    [InlineData("Scaler.FrontDoors.Keda.Protocol.ExternalScaler")]
    public async Task Check_UnknownService_NotFound(string service)
    {
        var health = new Health.HealthClient(_host.Channel);

        using var timeout = new CancellationTokenSource(Patience);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await health.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: timeout.Token));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Watch_HostStopping_NotServingThenTheStreamEndsWithoutWaitingForTheClient()
    {
        var health = new Health.HealthClient(_host.Channel);
        using var timeout = new CancellationTokenSource(Patience);
        using var whole = health.Watch(new HealthCheckRequest { Service = string.Empty }, cancellationToken: timeout.Token);
        using var keda = health.Watch(new HealthCheckRequest { Service = KedaService }, cancellationToken: timeout.Token);
        Assert.Equal(ServingStatus.Serving, await NextAsync(whole, timeout.Token));
        Assert.Equal(ServingStatus.Serving, await NextAsync(keda, timeout.Token));

        // As on SIGTERM: ApplicationStopping fires, then Kestrel stops accepting and drains (these streams with it).
        var stopping = _host.StopAsync();

        Assert.Equal(ServingStatus.NotServing, await NextAsync(whole, timeout.Token));
        Assert.Equal(ServingStatus.NotServing, await NextAsync(keda, timeout.Token));

        // Then the server ends the streams (status OK) without waiting for the clients to go away, so the drain
        // ends well before Kestrel's shutdown timeout, with the watchers still connected.
        Assert.False(await whole.ResponseStream.MoveNext(timeout.Token));
        Assert.False(await keda.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal(StatusCode.OK, whole.GetStatus().StatusCode);
        await stopping.WaitAsync(Patience);
    }

    [Fact]
    public async Task ListServices_Reflection_KedaAndHealthServices()
    {
        var response = await ReflectAsync(new ServerReflectionRequest { ListServices = string.Empty });

        var names = response.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains(KedaService, names);
        Assert.Contains("grpc.health.v1.Health", names);
    }

    [Fact]
    public async Task FileContainingSymbol_KedaService_TheExternalscalerFileWithTheFourMethods()
    {
        var response = await ReflectAsync(new ServerReflectionRequest { FileContainingSymbol = KedaService });

        // The file comes first; its dependencies (none here) would follow.
        var file = FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal("externalscaler", file.Package);
        var service = Assert.Single(file.Service);
        Assert.Equal("ExternalScaler", service.Name);
        Assert.Equal(
            ["IsActive .externalscaler.ScaledObjectRef .externalscaler.IsActiveResponse False", "StreamIsActive .externalscaler.ScaledObjectRef .externalscaler.IsActiveResponse True", "GetMetricSpec .externalscaler.ScaledObjectRef .externalscaler.GetMetricSpecResponse False", "GetMetrics .externalscaler.GetMetricsRequest .externalscaler.GetMetricsResponse False"],
            service.Method.Select(m => $"{m.Name} {m.InputType} {m.OutputType} {m.ServerStreaming}"));
    }

    [Fact]
    public async Task FileContainingSymbol_UnknownSymbol_NotFoundInTheStream()
    {
        var response = await ReflectAsync(new ServerReflectionRequest { FileContainingSymbol = "Scaler.FrontDoors.Keda.Protocol.ExternalScaler" });

        Assert.Equal((int)StatusCode.NotFound, response.ErrorResponse.ErrorCode);
    }

    private static async Task<ServingStatus> NextAsync(AsyncServerStreamingCall<HealthCheckResponse> watch, CancellationToken cancellationToken)
    {
        Assert.True(await watch.ResponseStream.MoveNext(cancellationToken), "the Watch stream ended");
        return watch.ResponseStream.Current.Status;
    }

    /// <summary>One request on the reflection stream, one answer.</summary>
    private async Task<ServerReflectionResponse> ReflectAsync(ServerReflectionRequest request)
    {
        var reflection = new ServerReflection.ServerReflectionClient(_host.Channel);
        using var timeout = new CancellationTokenSource(Patience);
        using var call = reflection.ServerReflectionInfo(cancellationToken: timeout.Token);
        await call.RequestStream.WriteAsync(request, timeout.Token);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token));
        return call.ResponseStream.Current;
    }
}
