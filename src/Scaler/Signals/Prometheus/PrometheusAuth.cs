using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Scaler.Signals.Prometheus;

/// <summary>Credentials for a Prometheus server. <see cref="object.ToString"/> never prints the secret.</summary>
internal abstract record PrometheusAuth
{
    public abstract AuthenticationHeaderValue Header();

    /// <summary>The secrets, for scrubbing upstream text that might echo them.</summary>
    public abstract IReadOnlyList<string> Secrets { get; }

    internal abstract string Tag(byte[] key);

    private protected static string Hash(byte[] key, string secret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(secret)).AsSpan(0, 8));
}
