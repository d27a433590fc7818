using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scaler.Hosting;
using Scaler.Tests.FrontDoors.Keda;

namespace Scaler.Tests.Hosting;

/// <summary>Bad host settings stop start-up with one message naming the setting and the form it expects.</summary>
public sealed class ScalerHostStartupTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Theory]
    // A port past 65535.
    [InlineData("port-too-high", "Scaler:Host:GrpcPort: expected a port number from 1 to 65535")]
    // A negative port.
    [InlineData("port-negative", "Scaler:Host:HttpsPort: expected a port number from 1 to 65535")]
    // A port that is no number.
    [InlineData("port-not-a-number", "Scaler:Host:HttpPort")]
    // A host name where an IP address is expected.
    [InlineData("address-name", "Scaler:Host:Address: expected an IP address")]
    // A misspelt setting must not silently leave the port in plaintext.
    [InlineData("unknown-key", "CertPath")]
    // A certificate without its key.
    [InlineData("certificate-without-key", "Scaler:Host:GrpcTls:KeyPath: required with Scaler:Host:GrpcTls:CertificatePath")]
    // A key without its certificate.
    [InlineData("key-without-certificate", "Scaler:Host:GrpcTls:CertificatePath: required with Scaler:Host:GrpcTls:KeyPath")]
    // Mutual TLS without a server certificate.
    [InlineData("client-ca-without-certificate", "Scaler:Host:GrpcTls:ClientCaPath: mutual TLS needs a server certificate")]
    // The HTTPS port trusts the front proxy's CA from the cluster, not a file of its own.
    [InlineData("https-client-ca", "Scaler:Host:HttpsTls:ClientCaPath: the HTTPS port trusts the aggregator's front-proxy CA")]
    // A reload interval of zero would read the files on every connection.
    [InlineData("reload-zero", "Scaler:Host:TlsReloadInterval: expected a duration")]
    // The certificate file is not there (Secret not mounted).
    [InlineData("certificate-missing", "Scaler:Host:GrpcTls:CertificatePath: '{dir}/missing/tls.crt': cannot read the file (no such file)")]
    // The certificate file holds no PEM certificate (a DER file, or the key by mistake).
    [InlineData("certificate-not-pem", "Scaler:Host:GrpcTls:CertificatePath: '{dir}/not-pem/tls.crt': no '-----BEGIN CERTIFICATE-----' block")]
    // A CERTIFICATE block whose body is not a certificate.
    [InlineData("certificate-corrupt", "Scaler:Host:GrpcTls:CertificatePath: '{dir}/corrupt/tls.crt': a CERTIFICATE block is not a valid certificate")]
    // The key file holds a certificate, not a key.
    [InlineData("key-not-a-key", "Scaler:Host:GrpcTls:KeyPath: '{dir}/not-a-key/tls.key': no usable")]
    // The key of another certificate.
    [InlineData("key-mismatch", "Scaler:Host:GrpcTls:KeyPath: '{dir}/mismatch/tls.key': the private key does not belong to the certificate")]
    // A client certificate (clientAuth only) where a serving certificate is expected.
    [InlineData("certificate-for-clients", "Scaler:Host:GrpcTls:CertificatePath: '{dir}/for-clients/tls.crt': the certificate (serial")]
    // The client CA file is empty.
    [InlineData("client-ca-empty", "Scaler:Host:GrpcTls:ClientCaPath: '{dir}/empty-ca/ca.crt': no '-----BEGIN CERTIFICATE-----' block")]
    // The HTTPS port's certificate file is not there.
    [InlineData("https-certificate-missing", "Scaler:Host:HttpsTls:CertificatePath: '{dir}/missing/tls.crt': cannot read the file")]
    public async Task Start_BadSetting_FailsNamingTheSetting(string scenario, string expected)
    {
        var settings = Settings(scenario);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(settings));

        Assert.Contains(expected.Replace("{dir}", _pki.Directory, StringComparison.Ordinal), error.Message, StringComparison.Ordinal);
        // Key material never appears in the message.
        Assert.DoesNotContain(TestPki.KeyPem(_pki.Server).Split('\n')[1], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SeveralBadFiles_EveryOneNamedInOneMessage()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(new Dictionary<string, string?>
        {
            ["Scaler:Host:GrpcTls:CertificatePath"] = Path.Combine(_pki.Directory, "a/tls.crt"),
            ["Scaler:Host:GrpcTls:KeyPath"] = Path.Combine(_pki.Directory, "a/tls.key"),
            ["Scaler:Host:HttpsTls:CertificatePath"] = Path.Combine(_pki.Directory, "b/tls.crt"),
            ["Scaler:Host:HttpsTls:KeyPath"] = Path.Combine(_pki.Directory, "b/tls.key"),
        }));

        Assert.Contains("Scaler:Host:GrpcTls:CertificatePath", error.Message, StringComparison.Ordinal);
        Assert.Contains("Scaler:Host:HttpsTls:CertificatePath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_KeyInSec1Form_Starts()
    {
        // cert-manager's default tls.key encoding for ECDSA is PKCS#1-style ("EC PRIVATE KEY"), not PKCS#8.
        var (certificate, _) = _pki.WritePair("sec1", _pki.Server);
        var key = _pki.Write("sec1/tls.key", _pki.Server.GetECDsaPrivateKey()!.ExportECPrivateKeyPem());

        await using var host = await KedaScalerHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Scaler:Host:GrpcTls:CertificatePath"] = certificate,
            ["Scaler:Host:GrpcTls:KeyPath"] = key,
        });

        Assert.Equal(_pki.Server.SerialNumber, (await TestPki.HandshakeAsync(host.GrpcAddress)).Certificate.SerialNumber);
    }

    private Dictionary<string, string?> Settings(string scenario)
    {
        var dir = _pki.Directory;
        Dictionary<string, string?> Grpc(string certificate, string? key, string? clientCa = null) => new()
        {
            ["Scaler:Host:GrpcTls:CertificatePath"] = certificate,
            ["Scaler:Host:GrpcTls:KeyPath"] = key,
            ["Scaler:Host:GrpcTls:ClientCaPath"] = clientCa,
        };
        switch (scenario)
        {
            case "port-too-high":
                return new() { ["Scaler:Host:GrpcPort"] = "70000" };
            case "port-negative":
                return new() { ["Scaler:Host:HttpsPort"] = "-1" };
            case "port-not-a-number":
                return new() { ["Scaler:Host:HttpPort"] = "http" };
            case "address-name":
                return new() { ["Scaler:Host:Address"] = "localhost" };
            case "unknown-key":
                return new() { ["Scaler:Host:GrpcTls:CertPath"] = "/etc/scaler/grpc-tls/tls.crt" };
            case "certificate-without-key":
                return new() { ["Scaler:Host:GrpcTls:CertificatePath"] = "/etc/scaler/grpc-tls/tls.crt" };
            case "key-without-certificate":
                return new() { ["Scaler:Host:GrpcTls:KeyPath"] = "/etc/scaler/grpc-tls/tls.key" };
            case "client-ca-without-certificate":
                return new() { ["Scaler:Host:GrpcTls:ClientCaPath"] = "/etc/scaler/grpc-client-ca/ca.crt" };
            case "https-client-ca":
                return new() { ["Scaler:Host:HttpsTls:ClientCaPath"] = "/etc/scaler/ca.crt" };
            case "reload-zero":
                return new() { ["Scaler:Host:TlsReloadInterval"] = "00:00:00" };
            case "certificate-missing":
                return Grpc($"{dir}/missing/tls.crt", $"{dir}/missing/tls.key");
            case "certificate-not-pem":
                {
                    var (_, key) = _pki.WritePair("not-pem", _pki.Server);
                    File.WriteAllBytes($"{dir}/not-pem/tls.crt", _pki.Server.RawData);
                    return Grpc($"{dir}/not-pem/tls.crt", key);
                }

            case "certificate-corrupt":
                {
                    var (_, key) = _pki.WritePair("corrupt", _pki.Server);
                    _pki.Write("corrupt/tls.crt", "-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
                    return Grpc($"{dir}/corrupt/tls.crt", key);
                }

            case "key-not-a-key":
                {
                    var (certificate, _) = _pki.WritePair("not-a-key", _pki.Server);
                    return Grpc(certificate, _pki.Write("not-a-key/tls.key", TestPki.CertificatePem(_pki.Server)));
                }

            case "key-mismatch":
                {
                    var (certificate, _) = _pki.WritePair("mismatch", _pki.Server);
                    return Grpc(certificate, _pki.Write("mismatch/tls.key", TestPki.KeyPem(_pki.RenewServer())));
                }

            case "certificate-for-clients":
                {
                    var (certificate, key) = _pki.WritePair("for-clients", _pki.Client);
                    return Grpc(certificate, key);
                }

            case "client-ca-empty":
                {
                    var (certificate, key) = _pki.WritePair("empty-ca", _pki.Server);
                    return Grpc(certificate, key, _pki.Write("empty-ca/ca.crt", string.Empty));
                }

            case "https-certificate-missing":
                return new()
                {
                    ["Scaler:Host:HttpsTls:CertificatePath"] = $"{dir}/missing/tls.crt",
                    ["Scaler:Host:HttpsTls:KeyPath"] = $"{dir}/missing/tls.key",
                };
            default:
                throw new ArgumentOutOfRangeException(nameof(scenario));
        }
    }

    [Theory]
    // A Scaler alone (a laptop, the demo) binds no peer port: nothing to answer there, and no port taken.
    [InlineData(false)]
    // Replicas electing a leader serve each other on it.
    [InlineData(true)]
    public async Task PeerPort_BoundOnlyWithLeaderElection(bool elected)
    {
        var port = Leadership.LeaseElectionTests.FreePort();
        var builder = Builder(new Dictionary<string, string?>
        {
            ["Scaler:Host:PeerPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Scaler:Leadership:Enabled"] = elected ? "true" : "false",
        });
        await using var app = builder.Build();
        app.MapScalerEndpoints();
        await app.StartAsync();

        using var client = new System.Net.Sockets.TcpClient();
        var connected = await client.ConnectAsync(System.Net.IPAddress.Loopback, port)
            .ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default);
        await app.StopAsync();

        Assert.Equal(elected, connected);
    }

    /// <summary>The host alone, as Program.cs builds it, on 127.0.0.1 with OS-picked ports that the settings may override.</summary>
    private static async Task StartAsync(Dictionary<string, string?> settings)
    {
        await using var app = Builder(settings).Build();
        app.MapScalerEndpoints();
        await app.StartAsync();
        await app.StopAsync();
    }

    private static WebApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Scaler:Host:Address"] = "127.0.0.1",
            ["Scaler:Host:GrpcPort"] = "0",
            ["Scaler:Host:HttpPort"] = "0",
            ["Scaler:Host:HttpsPort"] = "0",
            ["Scaler:Host:PeerPort"] = "0",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(global::Prometheus.Metrics.NewCustomRegistry());
        builder.AddScalerHost();
        return builder;
    }
}
