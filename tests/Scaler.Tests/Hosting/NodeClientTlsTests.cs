using System.Text.Json;
using Scaler.Tests.FrontDoors.Keda;

namespace Scaler.Tests.Hosting;

/// <summary>
/// Mutual TLS on the gRPC port from an independent client: Node's @grpc/grpc-js (node-client/keda-poll.mjs)
/// with a CA file and a client pair, as KEDA's Go client uses caCert, tlsClientCert and tlsClientKey.
/// </summary>
public sealed class NodeClientTlsTests(NodeClientFixture node) : IClassFixture<NodeClientFixture>, IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task Poll_FromNodeWithTheClientPair_EveryCallAnswers()
    {
        await using var host = await KedaScalerHost.StartAsync(settings: _pki.GrpcTlsSettings("mtls", clientCa: _pki.ClientCa));
        host.Prometheus.Set(3);
        var (client, key) = _pki.WritePair("keda", _pki.Client);

        var (exit, stdout, stderr) = await RunAsync(host, "--ca", _pki.Write("keda/ca.crt", TestPki.CertificatePem(_pki.ServerCa)), "--cert", client, "--key", key);

        Assert.True(exit == 0, stderr);
        var poll = JsonDocument.Parse(stdout).RootElement;
        Assert.True(poll.GetProperty("getMetricSpec").GetProperty("ok").GetBoolean(), stdout);
        Assert.True(poll.GetProperty("getMetrics").GetProperty("ok").GetBoolean(), stdout);
        Assert.True(poll.GetProperty("isActive").GetProperty("ok").GetBoolean(), stdout);
    }

    [Fact]
    public async Task Poll_FromNodeWithoutAClientCertificate_NothingAnswers()
    {
        await using var host = await KedaScalerHost.StartAsync(settings: _pki.GrpcTlsSettings("mtls", clientCa: _pki.ClientCa));

        // KEDA with caCert but no tlsClientCert: the server is trusted, the client is refused.
        var (exit, stdout, _) = await RunAsync(host, "--ca", _pki.Write("keda/ca.crt", TestPki.CertificatePem(_pki.ServerCa)), "--connect-timeout-ms", "3000");

        // Refused in the handshake (cannot connect), or, with TLS 1.3, on the first call.
        Assert.True(exit == 3 || !JsonDocument.Parse(stdout).RootElement.GetProperty("getMetricSpec").GetProperty("ok").GetBoolean(), stdout);
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(KedaScalerHost host, params string[] arguments) =>
        NodeClientFixture.PollAsync(node.ClientDirectory, host.GrpcAddress, KedaScalerHost.ScaledObject("node-tls"), arguments);
}
