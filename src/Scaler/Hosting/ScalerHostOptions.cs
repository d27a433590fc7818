namespace Scaler.Hosting;

/// <summary>Where the Scaler listens (configuration section <c>Scaler:Host</c>).</summary>
internal sealed class ScalerHostOptions
{
    public const string Section = "Scaler:Host";

    /// <summary>gRPC for KEDA, plaintext HTTP/2 (h2c, KEDA's default mode). Default 9090.</summary>
    public int GrpcPort { get; set; } = 9090;

    /// <summary>Plain HTTP for /healthz, /metrics and /decisions. Default 8080.</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>The address both bind to. Default all interfaces; tests use 127.0.0.1.</summary>
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>
    /// HTTP/2 streams per connection. KEDA opens one StreamIsActive per push ScaledObject over one
    /// pooled connection, and Kestrel's default of 100 would queue everything past the 100th
    /// (performance.md 2.2). Default 20,000.
    /// </summary>
    public int MaxStreamsPerConnection { get; set; } = 20_000;
}
