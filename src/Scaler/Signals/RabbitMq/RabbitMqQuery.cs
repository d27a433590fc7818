using System.Globalization;
using System.Text;

namespace Scaler.Signals.RabbitMq;

/// <summary>
/// One RabbitMQ queue to read, parsed once from trigger metadata (<see cref="TryParse"/>). The
/// <see cref="Key"/> names broker, vhost, queue and what is measured, plus a per-process fingerprint of
/// the credentials (never the credentials), so triggers reading with different users do not share readings.
/// </summary>
internal sealed record RabbitMqQuery(RabbitMqBroker Broker, string QueueName, RabbitMqMode Mode, bool IncludeUnacked) : SignalQuery
{
    /// <summary>The source name: metrics label, pipeline and options name (<c>Signals:rabbitmq</c>).</summary>
    public const string SourceName = "rabbitmq";

    public override string Source => SourceName;

    /// <summary>The broker endpoint (scheme, host, port, path) and vhost, without credentials: one circuit each.</summary>
    public override string Upstream => $"{Broker.Display}|{Broker.VirtualHost}";

    public override string Key => string.Create(
        CultureInfo.InvariantCulture,
        $"rabbitmq|{Broker.Display}|{Broker.VirtualHost}|{QueueName}|{Mode}|{(IncludeUnacked ? "ready+unacked" : "ready")}|{Broker.Credentials.Fingerprint}");

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"RabbitMqQuery {{ {Broker.Display} vhost '{Broker.VirtualHost}' queue '{QueueName}' {Mode} }}");

    /// <summary>
    /// Parses trigger metadata into a query, collecting every error; each error names the metadata key and the
    /// expected form, and never repeats a host value (it may hold a password).
    /// Keys: <c>host</c> | <c>hostFromEnv</c> | <c>brokerRef</c>, <c>queueName</c>, <c>vhost</c> (alias
    /// <c>vhostName</c>), <c>mode</c>, <c>includeUnacked</c> (or KEDA's <c>excludeUnacknowledged</c>).
    /// Other keys are ignored: the metadata map also carries the front door's and other sources' keys.
    /// </summary>
    public static bool TryParse(
        IReadOnlyDictionary<string, string> metadata,
        RabbitMqCredentialsOptions configured,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RabbitMqQuery? query,
        out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(configured);

        var problems = new List<string>();
        query = null;

        var broker = ParseBroker(metadata, configured, problems);

        var queueName = Get(metadata, "queueName");
        if (string.IsNullOrEmpty(queueName))
        {
            problems.Add("queueName: required, the name of the queue to read");
        }
        else if (Encoding.UTF8.GetByteCount(queueName) > 255)
        {
            problems.Add("queueName: at most 255 bytes (AMQP short string)");
        }

        var mode = RabbitMqMode.QueueLength;
        if (Get(metadata, "mode") is { Length: > 0 } modeText)
        {
            // Names only: Enum.TryParse would also take "1" and "QueueLength,Consumers".
            var name = Array.Find(Enum.GetNames<RabbitMqMode>(), n => string.Equals(n, modeText, StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                problems.Add("mode: expected QueueLength, MessageRate, DeliverGetRate or Consumers");
            }
            else
            {
                mode = Enum.Parse<RabbitMqMode>(name);
            }
        }

        var includeUnacked = ParseIncludeUnacked(metadata, broker?.Protocol, problems);

        if (broker is { Protocol: RabbitMqProtocol.Amqp } && mode is RabbitMqMode.MessageRate or RabbitMqMode.DeliverGetRate)
        {
            problems.Add($"mode: {mode} needs the management API (an http:// or https:// host); AMQP has no message rates");
        }

        if (problems.Count == 0 && broker is not null && queueName is not null)
        {
            query = new RabbitMqQuery(broker, queueName, mode, includeUnacked);
        }

        errors = problems;
        return query is not null;
    }

    /// <summary><see cref="TryParse"/> that throws a <see cref="FormatException"/> listing every error.</summary>
    public static RabbitMqQuery Parse(IReadOnlyDictionary<string, string> metadata, RabbitMqCredentialsOptions configured) =>
        TryParse(metadata, configured, out var query, out var errors)
            ? query!
            : throw new FormatException(string.Join("; ", errors));

    private static RabbitMqBroker? ParseBroker(IReadOnlyDictionary<string, string> metadata, RabbitMqCredentialsOptions configured, List<string> problems)
    {
        var host = Get(metadata, "host");
        // KEDA replaces the value of a *FromEnv key with the named variable of the scale target's container
        // and keeps the key's name, so hostFromEnv arrives holding the URI itself (reference keda.md 2.4).
        var hostFromEnv = Get(metadata, "hostFromEnv");
        var brokerRef = Get(metadata, "brokerRef");

        string? uriText = null;
        var uriKey = "host";
        if (!string.IsNullOrEmpty(host) && !string.IsNullOrEmpty(hostFromEnv))
        {
            problems.Add("host, hostFromEnv: give one of them, not both");
            return null;
        }

        if (!string.IsNullOrEmpty(host))
        {
            uriText = host;
        }
        else if (!string.IsNullOrEmpty(hostFromEnv))
        {
            (uriText, uriKey) = (hostFromEnv, "hostFromEnv");
        }

        RabbitMqBrokerOptions? entry = null;
        if (!string.IsNullOrEmpty(brokerRef))
        {
            if (!configured.Brokers.TryGetValue(brokerRef, out entry))
            {
                var known = configured.Brokers.Count == 0 ? "none are configured" : "configured: " + string.Join(", ", configured.Brokers.Keys.Order(StringComparer.Ordinal));
                problems.Add($"brokerRef: no broker '{brokerRef}' in the scaler's configuration ({RabbitMqOptions.Section}:Brokers; {known})");
                return null;
            }

            if (!string.IsNullOrEmpty(entry.Host))
            {
                if (uriText is not null)
                {
                    problems.Add($"{uriKey}, brokerRef: broker '{brokerRef}' has its own Host in the scaler's configuration; give one of them");
                    return null;
                }

                (uriText, uriKey) = (entry.Host, $"brokerRef '{brokerRef}' Host");
            }
        }

        if (uriText is null)
        {
            problems.Add("host: required: an amqp://, amqps://, http:// or https:// URI (or hostFromEnv, or brokerRef naming a broker in the scaler's configuration)");
            return null;
        }

        var expected = $"{uriKey}: expected an amqp://, amqps://, http:// or https:// URI";
        if (!Uri.TryCreate(uriText, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            problems.Add(expected);
            return null;
        }

        (RabbitMqProtocol protocol, bool tls, int defaultPort) = uri.Scheme switch
        {
            "amqp" => (RabbitMqProtocol.Amqp, false, 5672),
            "amqps" => (RabbitMqProtocol.Amqp, true, 5671),
            "http" => (RabbitMqProtocol.Management, false, 80),
            "https" => (RabbitMqProtocol.Management, true, 443),
            _ => (RabbitMqProtocol.Amqp, false, -1),
        };
        if (defaultPort < 0)
        {
            problems.Add(expected + " (the scheme is not one of these)");
            return null;
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            problems.Add($"{uriKey}: the URI must not have a query or fragment");
            return null;
        }

        string pathBase;
        string vhostText;
        var path = uri.AbsolutePath.TrimStart('/');
        if (protocol == RabbitMqProtocol.Amqp)
        {
            // AMQP URI: the whole path is the vhost; a '/' inside it must be written %2F.
            if (path.Contains('/', StringComparison.Ordinal))
            {
                problems.Add($"{uriKey}: the AMQP URI path is the vhost; write a '/' in it as %2F");
                return null;
            }

            (pathBase, vhostText) = ("", path);
        }
        else
        {
            // Management API (as KEDA): the last path segment is the vhost, earlier segments a proxy sub-path;
            // a trailing '/' means the default vhost.
            var lastSlash = path.LastIndexOf('/');
            (pathBase, vhostText) = lastSlash < 0 ? ("", path) : ("/" + path[..lastSlash], path[(lastSlash + 1)..]);
        }

        var vhost = Uri.UnescapeDataString(vhostText);
        if ((Get(metadata, "vhost") ?? Get(metadata, "vhostName")) is { Length: > 0 } vhostOverride)
        {
            // Percent-decoded like the URI path, so "/", "%2F" and "%2f" all name the default vhost.
            vhost = Uri.UnescapeDataString(vhostOverride);
        }

        if (vhost.Length == 0)
        {
            vhost = "/";
        }

        var credentials = RabbitMqCredentials.Guest;
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            credentials = colon < 0
                ? credentials with { UserName = Uri.UnescapeDataString(uri.UserInfo) }
                : new RabbitMqCredentials(Uri.UnescapeDataString(uri.UserInfo[..colon]), Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]));
        }

        if (entry is not null)
        {
            credentials = new RabbitMqCredentials(
                string.IsNullOrEmpty(entry.Username) ? credentials.UserName : entry.Username,
                entry.Password ?? credentials.Password);
        }

        var port = uri.Port > 0 ? uri.Port : defaultPort;
        return new RabbitMqBroker(protocol, tls, uri.IdnHost, port, pathBase, vhost, credentials);
    }

    private static bool ParseIncludeUnacked(IReadOnlyDictionary<string, string> metadata, RabbitMqProtocol? protocol, List<string> problems)
    {
        bool? include = null;
        if (Get(metadata, "includeUnacked") is { Length: > 0 } includeText)
        {
            if (bool.TryParse(includeText, out var value))
            {
                include = value;
            }
            else
            {
                problems.Add("includeUnacked: expected true or false");
            }
        }

        if (Get(metadata, "excludeUnacknowledged") is { Length: > 0 } excludeText)
        {
            if (!bool.TryParse(excludeText, out var exclude))
            {
                problems.Add("excludeUnacknowledged: expected true or false");
            }
            else if (include == exclude)
            {
                problems.Add("includeUnacked, excludeUnacknowledged: they contradict each other; give one");
            }
            else
            {
                include = !exclude;
            }
        }

        if (protocol == RabbitMqProtocol.Amqp)
        {
            if (include == true)
            {
                // A passive declare reports ready messages only; messages delivered and not yet acknowledged are
                // invisible over AMQP (KEDA #638, #5050). Refuse rather than silently under-count.
                problems.Add("includeUnacked: only the management API (an http:// or https:// host) counts unacknowledged messages; AMQP sees ready messages only");
            }

            return false;
        }

        return include ?? true;
    }

    private static string? Get(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var value) ? value.Trim() : null;
}
