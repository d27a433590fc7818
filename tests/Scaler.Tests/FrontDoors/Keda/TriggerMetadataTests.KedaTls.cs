using Scaler.Tests.Triggers;
using Scaler.Triggers;
using Scaler.Tests.Hosting;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>KEDA's own connection keys arrive in the metadata too (reference keda.md 2.4) and change nothing.</summary>
public partial class TriggerMetadataTests
{
    [Theory]
    // KEDA's TLS switch, as written in a ScaledObject.
    [InlineData("enableTLS", "true")]
    // Skipping verification (labs).
    [InlineData("unsafeSsl", "true")]
    // The gRPC target itself.
    [InlineData("scalerAddress", "scaler.scaler-system.svc:9090")]
    // PEM content, where docs before KEDA 2.11 put it (now TriggerAuthentication only).
    [InlineData("caCert", "ca")]
    // The client certificate for mutual TLS, same history.
    [InlineData("tlsClientCert", "cert")]
    // Its key.
    [InlineData("tlsClientKey", "key")]
    public void TryParse_KedasConnectionKey_AcceptedWithoutChangingTheTrigger(string key, string value)
    {
        using var pki = new TestPki();
        var pem = value switch
        {
            "ca" => TestPki.CertificatePem(pki.ServerCa),
            "cert" => TestPki.CertificatePem(pki.Client),
            "key" => TestPki.KeyPem(pki.Client),
            _ => value,
        };
        var plain = Parse(("server", "vllm"), ("minReplicas", "1"));

        var withKey = Parse(("server", "vllm"), ("minReplicas", "1"), (key, pem));

        Assert.Equal(plain.MetricName, withKey.MetricName);
        Assert.Equal(TestTriggers.Signals(plain).Select(s => s.Spec), TestTriggers.Signals(withKey).Select(s => s.Spec));
        Assert.Equal(plain.Policy.ScaleUp.Limits, withKey.Policy.ScaleUp.Limits);
        Assert.Equal(plain.Policy.ScaleDown.Limits, withKey.Policy.ScaleDown.Limits);
        // The rest of the policy field by field (its arrays compare by reference).
        Assert.Equal(plain.Policy with { Signals = withKey.Policy.Signals, ScaleUp = withKey.Policy.ScaleUp, ScaleDown = withKey.Policy.ScaleDown }, withKey.Policy);
    }
}
