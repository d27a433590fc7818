using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Scaler.Signals.RabbitMq;

/// <summary>How the RabbitMQ source talks to brokers. Configuration section <c>Signals:RabbitMq</c>.</summary>
internal sealed class RabbitMqOptions
{
    public const string Section = "Signals:RabbitMq";

    /// <summary>TCP connect and AMQP handshake limit for a new connection. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the client waits between attempts to recover a lost AMQP connection (RabbitMQ.Client's
    /// automatic recovery). Default 1 s: readings come back within about a second of a broker restart (the
    /// library's own default, 5 s, left them unusable for up to 6.5 s in the reliability bench), at the cost of
    /// one connection attempt a second to a broker that is down.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan NetworkRecoveryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A connection that has been down (recovering) this long is dropped and a new one is opened on the next
    /// read, in case automatic recovery gave up or is stuck. Default 60 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ReplaceDownConnectionAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A broker connection not used for this long is closed (its triggers went away). Default 15 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan IdleConnectionTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Open channels kept per connection for the next reads (a channel a read otherwise). Default 4.</summary>
    [Range(0, 64)]
    public int MaxIdleChannels { get; set; } = 4;

    /// <summary>
    /// Backstop limit on one request (an AMQP RPC, a management API call); the source's resilience pipeline
    /// normally cancels much earlier. Default 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Brokers known to the scaler's own configuration, so that credentials live in a Secret mounted into the
/// scaler rather than in ScaledObject metadata (KEDA does not forward TriggerAuthentication to external
/// scalers, KEDA #2571). A trigger names one with <c>brokerRef</c>. Configuration section
/// <c>Signals:RabbitMq</c>, e.g. <c>Signals__RabbitMq__Brokers__orders__Password</c> from a Secret.
/// </summary>
internal sealed class RabbitMqCredentialsOptions
{
    /// <summary>Brokers by alias (case-insensitive). Default none.</summary>
    public Dictionary<string, RabbitMqBrokerOptions> Brokers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The brokers trigger metadata may name (<c>rabbitmqHost</c>, <c>rabbitmqHostFromEnv</c>, or a host given
    /// next to a credentials-only <c>rabbitmqBrokerRef</c>), in <see cref="HostAllowlist"/> form, e.g.
    /// <c>rabbitmq.queues:5672</c>. A configured broker's own <c>Host</c> is always allowed. Default empty: any.
    /// </summary>
    public List<string> AllowedHosts { get; } = [];

    /// <summary>The allowlist <see cref="AllowedHosts"/> describes; throws naming every bad entry.</summary>
    public HostAllowlist Allowlist() => HostAllowlist.Create(AllowedHosts, AllowedHostsSetting);

    /// <summary>Every configuration error: bad allowlist entries, blank namespace names.</summary>
    public IReadOnlyList<string> Problems()
    {
        _ = HostAllowlist.TryCreate(AllowedHosts, AllowedHostsSetting, out _, out var errors);
        var problems = errors.ToList();
        foreach (var (alias, broker) in Brokers)
        {
            problems.AddRange(broker.Namespaces.Where(string.IsNullOrWhiteSpace).Select(_ => $"{RabbitMqOptions.Section}:Brokers:{alias}:Namespaces: expected namespace names, got an empty one"));
        }

        return problems;
    }

    private static string AllowedHostsSetting => RabbitMqOptions.Section + ":" + nameof(AllowedHosts);
}

/// <summary>One configured broker.</summary>
internal sealed class RabbitMqBrokerOptions
{
    /// <summary>
    /// The broker URI (<c>amqp://</c>, <c>amqps://</c>, <c>http://</c> or <c>https://</c>, userinfo allowed).
    /// Optional: without it the trigger gives <c>host</c> and this entry only supplies credentials.
    /// </summary>
    public string? Host { get; set; }

    /// <summary>User name; overrides the URI's userinfo. Default none.</summary>
    public string? Username { get; set; }

    /// <summary>Password; overrides the URI's userinfo. Default none.</summary>
    public string? Password { get; set; }

    /// <summary>The namespaces whose triggers may use this broker (case-sensitive, as Kubernetes names are). Default empty: every namespace.</summary>
    public List<string> Namespaces { get; } = [];
}

[OptionsValidator]
internal sealed partial class RabbitMqOptionsValidator : IValidateOptions<RabbitMqOptions>;
