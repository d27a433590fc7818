using Microsoft.Extensions.Logging.Testing;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Scaler.Hosting;
using Scaler.Tests.Signals.Core;

namespace Scaler.Tests.Hosting;

/// <summary>Certificate rotation on virtual time: when files are read again, what a bad file does, what is logged.</summary>
public sealed class ReloadingServerCertificateTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private readonly TestPki _pki = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly FakeLoggerProvider _logs = new();
    private readonly TlsFileSet _files;

    public ReloadingServerCertificateTests()
    {
        var (certificate, key) = _pki.WritePair("tls", _pki.Server);
        _files = new TlsFileSet("gRPC port", "Scaler:Host:GrpcTls", certificate, key, _pki.Write("tls/ca.crt", TestPki.CertificatePem(_pki.ClientCa)));
    }

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void Current_FilesRenewedBeforeTheInterval_OldCertificateUntilTheIntervalPasses()
    {
        var reloading = Start();
        var renewed = _pki.RenewServer();
        Write(renewed);

        _time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        var early = reloading.Current.Serial;
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var due = reloading.Current.Serial;

        Assert.Equal(_pki.Server.SerialNumber, early);
        Assert.Equal(renewed.SerialNumber, due);
        Assert.Single(_logs.Lines(), l => l.Contains("[701]", StringComparison.Ordinal) && l.Contains(renewed.SerialNumber, StringComparison.Ordinal));
    }

    [Fact]
    public void Current_RenewedTwice_TheFirstCertificateIsDisposedAndTheOneJustReplacedKept()
    {
        var reloading = Start();
        var first = reloading.Current;
        Write(_pki.RenewServer());
        _time.Advance(Interval);
        var second = reloading.Current;
        var firstAfterOneRenewal = first.Certificate.Handle;

        Write(_pki.RenewServer());
        _time.Advance(Interval);
        var third = reloading.Current;

        // Kept for a handshake that took it just before the first renewal; freed at the second.
        Assert.NotEqual(IntPtr.Zero, firstAfterOneRenewal);
        Assert.Equal(IntPtr.Zero, first.Certificate.Handle);
        Assert.Same(second, reloading.Retired);
        Assert.NotEqual(IntPtr.Zero, second.Certificate.Handle);
        Assert.NotEqual(IntPtr.Zero, third.Certificate.Handle);
        Assert.NotEqual(second.Serial, third.Serial);
    }

    [Fact]
    public void Current_FilesUnchanged_NothingLoggedAfterStart()
    {
        var reloading = Start();

        for (var i = 0; i < 5; i++)
        {
            _time.Advance(Interval);
            Assert.Equal(_pki.Server.SerialNumber, reloading.Current.Serial);
        }

        Assert.Equal(["[700]"], _logs.Lines().Select(EventId));
    }

    [Theory]
    // The certificate file half-written or replaced with garbage.
    [InlineData("certificate-garbage", "CertificatePath")]
    // A new certificate whose key has not arrived yet (a writer that is not atomic).
    [InlineData("key-not-yet", "KeyPath")]
    // The key file gone.
    [InlineData("key-deleted", "KeyPath")]
    // The client CA file emptied.
    [InlineData("client-ca-empty", "ClientCaPath")]
    public void Current_BadNewFiles_KeepsTheOldCertificateAndWarnsOnceNamingTheFile(string change, string setting)
    {
        var reloading = Start();
        switch (change)
        {
            case "certificate-garbage":
                File.WriteAllText(_files.CertificatePath, "-----BEGIN CERTIFICATE-----\nnot base64!\n");
                break;
            case "key-not-yet":
                File.WriteAllText(_files.CertificatePath, TestPki.CertificatePem(_pki.RenewServer()));
                break;
            case "key-deleted":
                File.Delete(_files.KeyPath!);
                break;
            case "client-ca-empty":
                File.WriteAllText(_files.ClientCaPath!, string.Empty);
                break;
        }

        var serials = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            _time.Advance(Interval);
            serials.Add(reloading.Current.Serial);
        }

        Assert.All(serials, s => Assert.Equal(_pki.Server.SerialNumber, s));
        var warning = Assert.Single(_logs.Lines(), l => l.Contains("[702]", StringComparison.Ordinal));
        Assert.StartsWith("Warning", warning, StringComparison.Ordinal);
        Assert.Contains($"Scaler:Host:GrpcTls:{setting}", warning, StringComparison.Ordinal);
        Assert.Contains(_pki.Server.SerialNumber, warning, StringComparison.Ordinal);
        Assert.DoesNotContain(TestPki.KeyPem(_pki.Server).Split('\n')[1], warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Current_BadFilesThenGoodOnes_LoadsTheGoodOnesAndWarnsAgainOnlyForANewProblem()
    {
        var reloading = Start();
        var renewed = _pki.RenewServer();

        File.WriteAllText(_files.CertificatePath, TestPki.CertificatePem(renewed));
        _time.Advance(Interval);
        var whileBroken = reloading.Current.Serial;
        File.WriteAllText(_files.KeyPath!, TestPki.KeyPem(renewed));
        _time.Advance(Interval);
        var repaired = reloading.Current.Serial;
        File.WriteAllText(_files.CertificatePath, "garbage");
        _time.Advance(Interval);
        var brokenAgain = reloading.Current.Serial;

        Assert.Equal(_pki.Server.SerialNumber, whileBroken);
        Assert.Equal(renewed.SerialNumber, repaired);
        Assert.Equal(renewed.SerialNumber, brokenAgain);
        Assert.Equal(["[700]", "[702]", "[701]", "[702]"], _logs.Lines().Select(EventId));
    }

    [Fact]
    public void Current_ClientCaRotated_NewConnectionsValidateAgainstTheNewCa()
    {
        var reloading = Start();
        var newCa = TestPki.CreateCa("Scaler Test Client CA 2");

        File.WriteAllText(_files.ClientCaPath!, TestPki.CertificatePem(_pki.ClientCa) + TestPki.CertificatePem(newCa));
        _time.Advance(Interval);
        var options = reloading.ServerOptions();

        Assert.True(options.ClientCertificateRequired);
        Assert.Equal(
            new[] { _pki.ClientCa.Thumbprint, newCa.Thumbprint },
            options.CertificateChainPolicy!.CustomTrustStore.Select(c => c.Thumbprint));
        Assert.Equal(X509ChainTrustMode.CustomRootTrust, options.CertificateChainPolicy.TrustMode);
    }

    [Fact]
    public void FromFiles_ExpiredCertificate_StartsAndWarns()
    {
        // Serving an expired certificate fails every verifying client, but refusing to start would not renew it.
        var expired = TestPki.IssueServer(_pki.ServerCa, DateTimeOffset.UtcNow.AddHours(-20), DateTimeOffset.UtcNow.AddHours(-1));
        Write(expired);

        var reloading = Start();

        Assert.Equal(expired.SerialNumber, reloading.Current.Serial);
        Assert.Single(_logs.Lines(), l => l.Contains("[703]", StringComparison.Ordinal) && l.StartsWith("Warning", StringComparison.Ordinal));
    }

    private ReloadingServerCertificate Start() =>
        ReloadingServerCertificate.FromFiles(_files, _time, Interval, _logs.CreateLogger("test"));

    private void Write(X509Certificate2 certificate)
    {
        File.WriteAllText(_files.CertificatePath, TestPki.CertificatePem(certificate));
        File.WriteAllText(_files.KeyPath!, TestPki.KeyPem(certificate));
    }

    private static string EventId(string line) => line[line.IndexOf('[', StringComparison.Ordinal)..(line.IndexOf(']', StringComparison.Ordinal) + 1)];
}
