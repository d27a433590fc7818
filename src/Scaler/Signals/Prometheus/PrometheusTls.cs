using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Scaler.Signals.Prometheus;

/// <summary>
/// TLS settings for an https server: PEM files mounted into the scaler (trigger metadata names the paths).
/// </summary>
/// <param name="CaFile">PEM file of the CA(s) that sign the server's certificate, trusted instead of the system roots.</param>
/// <param name="ClientCertFile">PEM client certificate for mutual TLS.</param>
/// <param name="ClientKeyFile">PEM private key of <paramref name="ClientCertFile"/>.</param>
/// <param name="InsecureSkipVerify">Do not verify the server's certificate at all (KEDA's <c>unsafeSsl</c>); for tests and labs only.</param>
internal sealed record PrometheusTls(string? CaFile = null, string? ClientCertFile = null, string? ClientKeyFile = null, bool InsecureSkipVerify = false)
{
    internal string Tag => $"ca={CaFile};cert={ClientCertFile};key={ClientKeyFile};insecure={InsecureSkipVerify}";
}
