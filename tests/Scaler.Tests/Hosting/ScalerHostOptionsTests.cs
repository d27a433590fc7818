using Microsoft.Extensions.Configuration;
using Scaler.Hosting;

namespace Scaler.Tests.Hosting;

/// <summary>The <c>Scaler:Host</c> settings: defaults, and every problem reported at once.</summary>
public sealed class ScalerHostOptionsTests
{
    [Fact]
    public void Read_NoSettings_KedasDefaultPortsAndNoTlsFiles()
    {
        var options = ScalerHostOptions.Read(new ConfigurationBuilder().Build());

        Assert.Equal((9090, 8080, 6443), (options.GrpcPort, options.HttpPort, options.HttpsPort));
        Assert.False(options.GrpcTls.HasCertificate);
        Assert.False(options.HttpsTls.HasCertificate);
        Assert.Equal(TimeSpan.FromSeconds(10), options.TlsReloadInterval);
    }

    [Theory]
    // Two ports on one number cannot both bind.
    [InlineData("GrpcPort=8080", "Scaler:Host:GrpcPort, Scaler:Host:HttpPort: each port needs its own number")]
    // Port 0 (any free port) may repeat: the OS hands out different ones.
    [InlineData("GrpcPort=0;HttpPort=0;HttpsPort=0", null)]
    // Empty paths (an unset environment variable) count as unset.
    [InlineData("GrpcTls:CertificatePath=;GrpcTls:KeyPath=", null)]
    // Streams per connection must allow at least one.
    [InlineData("MaxStreamsPerConnection=0", "Scaler:Host:MaxStreamsPerConnection: expected a whole number 1 or more")]
    // More than an hour between checks would outlive short-lived certificates.
    [InlineData("TlsReloadInterval=02:00:00", "Scaler:Host:TlsReloadInterval: expected a duration from 50ms to 1h such as 10s, got 2h")]
    // The product's duration form, as trigger metadata writes it.
    [InlineData("TlsReloadInterval=1.5m", null)]
    // A bare number is ambiguous (.NET would read five days).
    [InlineData("TlsReloadInterval=5", "Scaler:Host:TlsReloadInterval")]
    public void Read_Settings_ErrorNamesTheSettingOrNone(string settings, string? expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Split(';').Select(s => s.Split('=')).Select(p => KeyValuePair.Create<string, string?>($"Scaler:Host:{p[0]}", p[1]))).Build();

        var error = Record.Exception(() => ScalerHostOptions.Read(configuration));

        if (expected is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.Contains(expected, Assert.IsType<InvalidOperationException>(error).Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    // The product's form.
    [InlineData("90s")]
    // A decimal fraction.
    [InlineData("1.5m")]
    // Two units.
    [InlineData("1m30s")]
    // .NET's form, as settings were written before.
    [InlineData("00:01:30")]
    public void Read_Duration_EitherFormReadsTheSame(string text)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create<string, string?>("Scaler:Host:TlsReloadInterval", text)]).Build();

        Assert.Equal(TimeSpan.FromSeconds(90), ScalerHostOptions.Read(configuration).TlsReloadInterval);
    }

    [Fact]
    public void Read_SeveralProblems_AllInOneMessage()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Scaler:Host:GrpcPort"] = "65536",
            ["Scaler:Host:Address"] = "scaler.local",
            ["Scaler:Host:GrpcTls:ClientCaPath"] = "/etc/ca.crt",
        }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => ScalerHostOptions.Read(configuration));

        Assert.Contains("Scaler:Host:GrpcPort", error.Message, StringComparison.Ordinal);
        Assert.Contains("Scaler:Host:Address", error.Message, StringComparison.Ordinal);
        Assert.Contains("Scaler:Host:GrpcTls:ClientCaPath", error.Message, StringComparison.Ordinal);
    }
}
