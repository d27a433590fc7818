using Microsoft.Extensions.Logging;

namespace Scaler.Signals.RabbitMq;

/// <summary>
/// The RabbitMQ source's log events (300-399). Brokers are logged by <see cref="RabbitMqBroker.Display"/>,
/// never with credentials; exceptions logged here come from the client libraries, which never see a
/// password in a URI (the source passes credentials as fields and headers).
/// </summary>
internal static partial class RabbitMqLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "RabbitMQ connection opened to {Broker} vhost '{VirtualHost}' as '{ClientName}'")]
    public static partial void ConnectionOpened(this ILogger logger, string broker, string virtualHost, string clientName);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "RabbitMQ connection to {Broker} vhost '{VirtualHost}' lost ({ReplyCode} {ReplyText}); recovering every {RecoveryInterval}")]
    public static partial void ConnectionLost(this ILogger logger, string broker, string virtualHost, ushort replyCode, string replyText, TimeSpan recoveryInterval);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "RabbitMQ connection to {Broker} vhost '{VirtualHost}' recovered")]
    public static partial void ConnectionRecovered(this ILogger logger, string broker, string virtualHost);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "RabbitMQ connection to {Broker} vhost '{VirtualHost}' down for {Down}; replacing it")]
    public static partial void ConnectionReplaced(this ILogger logger, string broker, string virtualHost, TimeSpan down);

    [LoggerMessage(EventId = 304, Level = LogLevel.Information, Message = "RabbitMQ connection to {Broker} vhost '{VirtualHost}' unused for {Idle}; closing it")]
    public static partial void ConnectionIdleClosed(this ILogger logger, string broker, string virtualHost, TimeSpan idle);

    [LoggerMessage(EventId = 305, Level = LogLevel.Warning, Message = "RabbitMQ {Broker} vhost '{VirtualHost}': {Reason}")]
    public static partial void AccessRefused(this ILogger logger, string broker, string virtualHost, string reason);

    [LoggerMessage(EventId = 306, Level = LogLevel.Debug, Message = "RabbitMQ {Broker} vhost '{VirtualHost}' has no queue '{Queue}'")]
    public static partial void QueueNotFound(this ILogger logger, string broker, string virtualHost, string queue);

    [LoggerMessage(EventId = 307, Level = LogLevel.Warning, Message = "RabbitMQ management API {Broker} answered {Status} for queue '{Queue}' in vhost '{VirtualHost}' with a body that is not a queue object: {Problem}")]
    public static partial void ManagementBodyUnusable(this ILogger logger, string broker, int status, string queue, string virtualHost, string problem);

    [LoggerMessage(EventId = 308, Level = LogLevel.Debug, Message = "RabbitMQ connection to {Broker} vhost '{VirtualHost}' failed")]
    public static partial void ConnectFailed(this ILogger logger, Exception exception, string broker, string virtualHost);

    [LoggerMessage(EventId = 309, Level = LogLevel.Debug, Message = "RabbitMQ connection to {Broker} vhost '{VirtualHost}': recovery attempt failed")]
    public static partial void RecoveryFailed(this ILogger logger, Exception exception, string broker, string virtualHost);
}
