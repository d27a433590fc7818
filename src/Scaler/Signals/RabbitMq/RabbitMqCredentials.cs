using System.Security.Cryptography;
using System.Text;

namespace Scaler.Signals.RabbitMq;

/// <summary>
/// A user name and password for a broker. Never printed: <see cref="ToString"/> hides the password, and the
/// value only leaves this process in the AMQP handshake or an HTTP <c>Authorization</c> header.
/// </summary>
internal sealed record RabbitMqCredentials(string UserName, string Password)
{
    /// <summary>RabbitMQ's built-in user, accepted from loopback only by default; what the client libraries use when no user is given.</summary>
    public static RabbitMqCredentials Guest { get; } = new("guest", "guest");

    // A per-process key: the fingerprint separates cache entries read with different credentials without
    // putting anything an attacker could brute-force offline (a plain hash of a weak password) into keys or metrics.
    private static readonly byte[] FingerprintKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>A short, per-process HMAC of the credentials: equal credentials give equal fingerprints; reveals nothing.</summary>
    public string Fingerprint
    {
        get
        {
            var bytes = Encoding.UTF8.GetBytes(UserName + "\0" + Password);
            return Convert.ToHexStringLower(HMACSHA256.HashData(FingerprintKey, bytes).AsSpan(0, 6));
        }
    }

    public override string ToString() => "RabbitMqCredentials { Password = *** }";
}
