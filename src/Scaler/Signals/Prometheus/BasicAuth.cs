using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Scaler.Signals.Prometheus;

/// <summary><c>Authorization: Basic base64(user:password)</c>.</summary>
internal sealed record BasicAuth(string User, string Password) : PrometheusAuth
{
    public override AuthenticationHeaderValue Header() => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));

    public override IReadOnlyList<string> Secrets => [Password, Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"))];

    public override string ToString() => $"Basic {User}:***";

    internal override string Tag(byte[] key) => "basic:" + Hash(key, User + ":" + Password);
}
