using Microsoft.Extensions.Logging.Testing;
using System.Diagnostics;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Scaler.FrontDoors.Keda.Protocol;
using Scaler.Testing;
using Scaler.Tests.FrontDoors.Keda;
using Scaler.Tests.Signals.Core;

namespace Scaler.Tests.Hosting;

/// <summary>
/// TLS and mutual TLS on the gRPC port, as KEDA's <c>enableTLS</c>, <c>caCert</c> and <c>tlsClientCert</c>
/// use it: the real host on 127.0.0.1 with generated certificates, called by the generated grpc-dotnet client.
/// </summary>
public sealed class GrpcTlsTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task GetMetricSpec_ClientTrustsTheServerCa_Answers()
    {
        await using var host = await KedaScalerHost.StartAsync(settings: _pki.GrpcTlsSettings("grpc"), grpcHandler: TestPki.Handler(_pki.ServerCa));

        var spec = await host.Client.GetMetricSpecAsync(KedaScalerHost.ScaledObject("tls"));

        Assert.Equal("https", host.GrpcAddress.Scheme);
        Assert.Equal(1, Assert.Single(spec.MetricSpecs).TargetSizeFloat);
    }

    [Fact]
    public async Task Handshake_TlsPort_OffersOnlyH2WithTheConfiguredCertificate()
    {
        await using var host = await KedaScalerHost.StartAsync(settings: _pki.GrpcTlsSettings("grpc"));

        // The client offers h2 and http/1.1; an HTTP/2-only endpoint picks h2 (grpc-go requires ALPN h2).
        var (certificate, alpn, _) = await TestPki.HandshakeAsync(host.GrpcAddress);
        // KEDA's default minimum is TLS 1.2, which must still be accepted.
        var (_, _, protocol) = await TestPki.HandshakeAsync(host.GrpcAddress, SslProtocols.Tls12);

        Assert.Equal(_pki.Server.SerialNumber, certificate.SerialNumber);
        Assert.Equal(SslApplicationProtocol.Http2, alpn);
        Assert.Equal(SslProtocols.Tls12, protocol);
    }

    [Fact]
    public async Task GetMetricSpec_ClientDoesNotTrustTheServerCa_Fails()
    {
        // Only the system roots: the test CA is not among them (KEDA without caCert).
        await using var host = await KedaScalerHost.StartAsync(settings: _pki.GrpcTlsSettings("grpc"), grpcHandler: TestPki.Handler(trust: null));

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Client.GetMetricSpecAsync(KedaScalerHost.ScaledObject("untrusted")).ResponseAsync);

        // The client refused the server's certificate during the handshake (grpc-dotnet reports it as INTERNAL).
        Assert.NotNull(Innermost<AuthenticationException>(error.Status.DebugException ?? error));
    }

    [Fact]
    public async Task GetMetricSpec_ClientTrustsAnotherCa_Fails()
    {
        await using var host = await KedaScalerHost.StartAsync(settings: _pki.GrpcTlsSettings("grpc"), grpcHandler: TestPki.Handler(_pki.OtherCa));

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Client.GetMetricSpecAsync(KedaScalerHost.ScaledObject("other-ca")).ResponseAsync);

        Assert.NotNull(Innermost<AuthenticationException>(error.Status.DebugException ?? error));
    }

    [Fact]
    public async Task GetMetricSpec_PlaintextClientAgainstTlsPort_Fails()
    {
        await using var host = await KedaScalerHost.StartAsync(settings: _pki.GrpcTlsSettings("grpc"));
        // KEDA without enableTLS: h2c to a port that expects a TLS ClientHello.
        using var plaintext = GrpcChannel.ForAddress(new UriBuilder(host.GrpcAddress) { Scheme = "http" }.Uri);
        var client = new ExternalScaler.ExternalScalerClient(plaintext);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.GetMetricSpecAsync(KedaScalerHost.ScaledObject("plaintext"), deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync);

        Assert.NotEqual(StatusCode.OK, error.StatusCode);
        Assert.NotEqual(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task GetMetricSpec_MutualTlsWithTheClientCasCertificate_Answers()
    {
        await using var host = await KedaScalerHost.StartAsync(
            settings: _pki.GrpcTlsSettings("mtls", clientCa: _pki.ClientCa), grpcHandler: TestPki.Handler(_pki.ServerCa, _pki.Client));

        var spec = await host.Client.GetMetricSpecAsync(KedaScalerHost.ScaledObject("mtls"));

        Assert.Single(spec.MetricSpecs);
    }

    [Theory]
    // No client certificate at all (KEDA with caCert but without tlsClientCert).
    [InlineData("none", "RemoteCertificateNotAvailable")]
    // A client certificate from a CA the Scaler was not told to trust.
    [InlineData("other-ca", "RemoteCertificateChainErrors")]
    // A certificate from the server CA, which the system roots do not know and the client CA file does not hold.
    [InlineData("server-ca", "RemoteCertificateChainErrors")]
    // From the right CA, but a server certificate (serverAuth only): not for clients.
    [InlineData("server-usage", "RemoteCertificateChainErrors")]
    public async Task GetMetricSpec_MutualTlsWithoutAnAcceptableClientCertificate_FailsAndTheServerSaysWhy(string presented, string reason)
    {
        var client = presented switch
        {
            "none" => null,
            "other-ca" => _pki.ClientOfOtherCa,
            "server-ca" => TestPki.IssueClient(_pki.ServerCa),
            "server-usage" => TestPki.IssueServer(_pki.ClientCa),
            _ => throw new ArgumentOutOfRangeException(nameof(presented)),
        };
        var logs = new FakeLoggerProvider();
        var settings = _pki.GrpcTlsSettings("mtls", clientCa: _pki.ClientCa);
        settings["Logging:LogLevel:Scaler.Hosting"] = "Debug";
        await using var host = await KedaScalerHost.StartAsync(settings: settings, grpcHandler: TestPki.Handler(_pki.ServerCa, client), logging: logs);

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Client.GetMetricSpecAsync(KedaScalerHost.ScaledObject("mtls-refused")).ResponseAsync);

        Assert.NotEqual(StatusCode.OK, error.StatusCode);
        Assert.Contains(logs.Lines(), l => l.Contains("[705]", StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Handshake_SecretVolumeSwappedToARenewedCertificate_NewConnectionsGetTheNewOne()
    {
        // The kubelet's layout: tls.crt -> ..data/tls.crt, ..data -> ..v1; an update writes ..v2 and renames
        // a new ..data link over the old one, so the file paths never change and their own times neither.
        var volume = Path.Combine(_pki.Directory, "secret");
        var renewed = _pki.RenewServer();
        WriteVersion(volume, "..v1", _pki.Server);
        WriteVersion(volume, "..v2", renewed);
        File.CreateSymbolicLink(Path.Combine(volume, "..data"), "..v1");
        File.CreateSymbolicLink(Path.Combine(volume, "tls.crt"), "..data/tls.crt");
        File.CreateSymbolicLink(Path.Combine(volume, "tls.key"), "..data/tls.key");
        var settings = new Dictionary<string, string?>
        {
            ["Scaler:Host:GrpcTls:CertificatePath"] = Path.Combine(volume, "tls.crt"),
            ["Scaler:Host:GrpcTls:KeyPath"] = Path.Combine(volume, "tls.key"),
            ["Scaler:Host:TlsReloadInterval"] = "00:00:00.100",
        };
        await using var host = await KedaScalerHost.StartAsync(settings: settings, grpcHandler: TestPki.Handler(_pki.ServerCa));
        await host.Client.GetMetricSpecAsync(KedaScalerHost.ScaledObject("before"));
        var before = (await TestPki.HandshakeAsync(host.GrpcAddress)).Certificate;

        var swap = Path.Combine(volume, "..data_tmp");
        File.CreateSymbolicLink(swap, "..v2");
        // rename(2) replaces the link itself, atomically (File.Move would follow it to the directory).
        Assert.Equal(0, Rename(swap, Path.Combine(volume, "..data")));
        var after = await PollAsync(async () => (await TestPki.HandshakeAsync(host.GrpcAddress)).Certificate, c => c.SerialNumber == renewed.SerialNumber);
        // A new channel (KEDA rebuilds its connection after an error) works against the renewed certificate.
        using var fresh = GrpcChannel.ForAddress(host.GrpcAddress, new GrpcChannelOptions { HttpHandler = TestPki.Handler(_pki.ServerCa) });
        var spec = await new ExternalScaler.ExternalScalerClient(fresh).GetMetricSpecAsync(KedaScalerHost.ScaledObject("after"));

        Assert.Equal(_pki.Server.SerialNumber, before.SerialNumber);
        Assert.Equal(renewed.SerialNumber, after.SerialNumber);
        Assert.Single(spec.MetricSpecs);
        // The open connection keeps working (TLS does not re-handshake it).
        Assert.Single((await host.Client.GetMetricSpecAsync(KedaScalerHost.ScaledObject("open"))).MetricSpecs);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string from, [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string to);

    private static void WriteVersion(string volume, string version, X509Certificate2 certificate)
    {
        var folder = Directory.CreateDirectory(Path.Combine(volume, version)).FullName;
        File.WriteAllText(Path.Combine(folder, "tls.crt"), TestPki.CertificatePem(certificate));
        File.WriteAllText(Path.Combine(folder, "tls.key"), TestPki.KeyPem(certificate));
    }

    /// <summary>Bounded polling (real I/O: a file swap and new connections), up to 10 s.</summary>
    private static Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done) =>
        Eventually.ReturnsAsync(read, done, interval: TimeSpan.FromMilliseconds(50));

    private static T? Innermost<T>(Exception error)
        where T : Exception
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
