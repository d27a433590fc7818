using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Scaler.Signals.Prometheus;

/// <summary><c>Authorization: Bearer &lt;token&gt;</c>.</summary>
internal sealed record BearerAuth(string Token) : PrometheusAuth
{
    public override AuthenticationHeaderValue Header() => new("Bearer", Token);

    public override IReadOnlyList<string> Secrets => [Token];

    public override string ToString() => "Bearer ***";

    internal override string Tag(byte[] key) => "bearer:" + Hash(key, Token);
}
