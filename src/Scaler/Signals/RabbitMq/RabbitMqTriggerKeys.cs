using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Scaler.Signals.Keys;

namespace Scaler.Signals.RabbitMq;

/// <summary>
/// The keys of a queue-length signal from RabbitMQ: the broker (a URI, one from the container's environment, or
/// one from the scaler's own configuration), the queue and vhost, and the queue-length target and activation.
/// </summary>
internal sealed partial class RabbitMqTriggerKeys(IOptions<RabbitMqCredentialsOptions> brokers) : ITriggerKeys
{
    public const string RabbitMqHost = "rabbitmqHost";
    public const string RabbitMqHostFromEnv = "rabbitmqHostFromEnv";
    public const string RabbitMqBrokerRef = "rabbitmqBrokerRef";
    public const string QueueName = "queueName";
    public const string Vhost = "vhost";

    /// <summary>Queued messages per replica: a queued message is one request waiting, as a pending request is; target 5.</summary>
    public static readonly DemandSignal QueueLength = new(
        "queue-length",
        new TriggerKey("queueLengthTarget", "number > 0", "`5`", "10", "Queued messages per replica. Default 5: a queued message is one request waiting, like a pending request.", "a positive number of messages per replica such as 5")
        {
            Habits = ["value", "queueLength"],
        },
        new TriggerKey("activationQueueLength", "number ≥ 0", "`0`", "0", "Active while the queue is strictly longer than this.", "a number 0 or more such as 0")
        {
            Habits = ["activationValue"],
        },
        5);

    private readonly RabbitMqCredentialsOptions _brokers = brokers.Value;
    private readonly HostAllowlist _allowed = brokers.Value.Allowlist();

    public IReadOnlyList<TriggerKey> Keys { get; } =
    [
        new(RabbitMqHost, "amqp(s):// or http(s):// URI", "–", "amqp://user:pass@rabbitmq.default:5672/orders", "Signal `queue-length` from RabbitMQ: AMQP counts ready messages; the management API (`http(s)://`) counts ready + unacknowledged. User info allowed (it is never logged or repeated).", "an amqp://, amqps://, http:// or https:// URI such as amqp://rabbitmq.default:5672/")
        {
            Secret = true,
            Habits = ["host"],
        },
        new(RabbitMqHostFromEnv, "env var name", "–", "RABBITMQ_URI", "The same URI from the scale target's container env. KEDA drops the key when the variable is missing or empty.", "the name of an environment variable of the scale target's container that holds an amqp://, amqps://, http:// or https:// URI")
        {
            Secret = true,
            Habits = ["hostFromEnv"],
        },
        new(RabbitMqBrokerRef, "broker alias", "–", "orders", "A broker from the scaler's own configuration (`Signals:RabbitMq:Brokers:orders`), whose credentials live in the scaler's Secret.", "the name of a broker in the scaler's configuration such as orders")
        {
            Habits = ["brokerRef"],
        },
        new(QueueName, "string", "–", "inference-requests", "The queue; required with a broker.", "a queue name such as inference-requests"),
        new(Vhost, "string", "from the URI", "prod", "Overrides the URI's vhost (`/` or `%2F` is the default vhost).", "a virtual host such as / or prod")
        {
            Habits = ["vhostName"],
        },
        .. QueueLength.Keys,
    ];

    public IReadOnlyList<string> SwitchKeys { get; } = [RabbitMqHost, RabbitMqHostFromEnv, RabbitMqBrokerRef, QueueName];

    public string Usage => $"a queue ({RabbitMqHost} or {RabbitMqHostFromEnv}, and {QueueName})";

    public string Example => $"a queue ({RabbitMqHost} + {QueueName})";

    public bool ReadsPods => false;

    public void Parse(TriggerMetadataReader metadata, TriggerBuilder trigger)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(trigger);
        var query = ParseQuery(metadata, trigger.Workload.Namespace);
        QueueLength.Add(metadata, trigger, query, query is null ? "" : $"{QueueLength.Name}|{query.Broker.VirtualHost}|{query.QueueName}");
    }

    private RabbitMqQuery? ParseQuery(TriggerMetadataReader metadata, string @namespace)
    {
        if (!metadata.Has(RabbitMqHost) && !metadata.Has(RabbitMqHostFromEnv) && !metadata.Has(RabbitMqBrokerRef))
        {
            // KEDA drops a *FromEnv key whose variable is missing or empty (reference keda.md 2.4), so say so.
            metadata.Fail(
                RabbitMqHost,
                $"required with {QueueName}: expected {metadata.Form(RabbitMqHost)}, or {RabbitMqHostFromEnv} naming an environment variable of the scale target's container " +
                $"(KEDA drops that key when the variable is missing or empty), or {RabbitMqBrokerRef} naming a broker in the scaler's configuration");
            return null;
        }

        // The query's own key names; mode is always QueueLength (the signal is a queue length).
        var mapped = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (ours, theirs) in new[] { (RabbitMqHost, "host"), (RabbitMqHostFromEnv, "hostFromEnv"), (RabbitMqBrokerRef, "brokerRef"), (QueueName, "queueName"), (Vhost, "vhost") })
        {
            if (metadata.Text(ours) is { Length: > 0 } value)
            {
                mapped[theirs] = value;
            }
        }

        if (metadata.Failed(RabbitMqHost, RabbitMqHostFromEnv, RabbitMqBrokerRef, QueueName, Vhost))
        {
            return null;
        }

        if (RabbitMqQuery.TryParse(mapped, _brokers, out var query, out var errors))
        {
            return Admitted(metadata, query, mapped.GetValueOrDefault("brokerRef"), @namespace) ? query : null;
        }

        foreach (var error in errors)
        {
            // Its errors name its keys and never repeat a host value; rename the keys to ours.
            var renamed = QueryKeyNames().Replace(error, match => match.Value switch
            {
                "host" => RabbitMqHost,
                "hostFromEnv" => RabbitMqHostFromEnv,
                "brokerRef" => RabbitMqBrokerRef,
                _ => Vhost,
            });
            var expected = renamed.IndexOf(": expected an amqp://", StringComparison.Ordinal);
            if (expected > 0 && !renamed.Contains(" such as ", StringComparison.Ordinal))
            {
                renamed = renamed.Insert(renamed.IndexOf(" URI", expected, StringComparison.Ordinal) + 4, " such as amqp://rabbitmq.default:5672/");
            }

            metadata.AddError(renamed);
        }

        return null;
    }

    /// <summary>
    /// The operator's limits: a configured broker only from its namespaces, and a broker named by the metadata
    /// only on an allowed host (a configured broker's own host is the operator's, so always allowed).
    /// </summary>
    private bool Admitted(TriggerMetadataReader metadata, RabbitMqQuery query, string? brokerRef, string @namespace)
    {
        RabbitMqBrokerOptions? configured = null;
        if (brokerRef is not null && _brokers.Brokers.TryGetValue(brokerRef, out configured)
            && configured.Namespaces.Count > 0 && !configured.Namespaces.Contains(@namespace, StringComparer.Ordinal))
        {
            metadata.Fail(RabbitMqBrokerRef, $"broker '{brokerRef}' may not be used from namespace {@namespace} ({RabbitMqOptions.Section}:Brokers:{brokerRef}:Namespaces)");
            return false;
        }

        if (string.IsNullOrEmpty(configured?.Host) && !_allowed.Allows(query.Broker.Host, query.Broker.Port))
        {
            var key = metadata.Has(RabbitMqHost) ? RabbitMqHost : RabbitMqHostFromEnv;
            metadata.Fail(key, $"broker {query.Broker.Display} is not in the Scaler's allowlist ({RabbitMqOptions.Section}:AllowedHosts); ask its operator to add it, or use {RabbitMqBrokerRef}");
            return false;
        }

        return true;
    }

    // The RabbitMQ query's own key names, as they appear in its errors, mapped to ours.
    [GeneratedRegex(@"\b(hostFromEnv|host|brokerRef|vhostName)\b")]
    private static partial Regex QueryKeyNames();
}
