using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Scaler.Signals.RabbitMq;

/// <summary>
/// AMQP connections, one per broker (host, port, TLS, vhost, credentials) for every trigger reading it, as
/// KEDA pools its own connections; a few idle channels per connection are kept for the next reads.
/// Connections recover by themselves (RabbitMQ.Client automatic recovery); one that stays down longer than
/// <see cref="RabbitMqOptions.ReplaceDownConnectionAfter"/> is replaced, and one unused for
/// <see cref="RabbitMqOptions.IdleConnectionTimeout"/> is closed.
/// </summary>
internal sealed class RabbitMqConnectionPool : IAsyncDisposable
{
    /// <summary>The connection name the broker shows (management UI, <c>rabbitmqctl list_connections client_properties</c>).</summary>
    public const string ClientName = "scaler-signals";

    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<RabbitMqBroker, BrokerConnection> _brokers = new();
    private readonly RabbitMqOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _connectionsOpened;
    private long _lastSweep;
    private int _disposed;

    public RabbitMqConnectionPool(IOptions<RabbitMqOptions> options, TimeProvider time, ILogger<RabbitMqConnectionPool> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _logger = logger;
        _lastSweep = time.GetTimestamp();
    }

    /// <summary>AMQP connections opened since start (first opens and replacements; recoveries reuse theirs).</summary>
    public long ConnectionsOpened => Interlocked.Read(ref _connectionsOpened);

    /// <summary>Brokers with a pooled connection (open or recovering).</summary>
    public int BrokerCount => _brokers.Count;

    /// <summary>
    /// Passive declare of <paramref name="queueName"/>: the broker's ready-message and consumer counts. Throws
    /// <see cref="RabbitMqRefusedException"/> (with a reason for the reading) when the broker answers no:
    /// no such queue, authentication failed, vhost or queue refused; and <see cref="RabbitMqTransportException"/>
    /// when it cannot be reached, the connection is recovering, or the read broke off.
    /// </summary>
    public async ValueTask<QueueDeclareOk> DeclarePassiveAsync(RabbitMqBroker broker, string queueName, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await SweepIdleAsync().ConfigureAwait(false);

        var entry = _brokers.GetOrAdd(broker, b => new BrokerConnection(b, this));
        entry.Touch();
        var connection = await entry.GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        var channel = await entry.TakeIdleChannelAsync().ConfigureAwait(false) ?? await CreateChannelAsync(connection, broker, cancellationToken).ConfigureAwait(false);
        try
        {
            var ok = await channel.QueueDeclarePassiveAsync(queueName, cancellationToken).ConfigureAwait(false);
            await entry.ReturnChannelAsync(channel).ConfigureAwait(false);
            return ok;
        }
        catch (Exception exception)
        {
            // Whatever failed, the channel is closed (the broker closes it on 404 and 403) or in an unknown
            // state (cancelled mid-RPC, connection lost): never reuse it.
            await DisposeQuietlyAsync(channel).ConfigureAwait(false);
            switch (exception)
            {
                case OperationCanceledException:
                    throw;
                case OperationInterruptedException { ShutdownReason: { Initiator: ShutdownInitiator.Peer, ReplyCode: Constants.NotFound } }:
                    _logger.QueueNotFound(broker.Display, broker.VirtualHost, queueName);
                    throw new RabbitMqRefusedException($"queue '{queueName}' not found in vhost '{broker.VirtualHost}'", exception);
                case OperationInterruptedException { ShutdownReason: { Initiator: ShutdownInitiator.Peer, ReplyCode: Constants.AccessRefused } }:
                    const string Refused = "access refused: the user has no permission on the queue";
                    _logger.AccessRefused(broker.Display, broker.VirtualHost, Refused);
                    throw new RabbitMqRefusedException($"queue '{queueName}' in vhost '{broker.VirtualHost}': {Refused}", exception);
                default:
                    // A declare that failed because the connection went down is the broker going away.
                    throw new RabbitMqTransportException($"RabbitMQ {broker.Display} vhost '{broker.VirtualHost}': queue declare failed ({Describe(exception)})", exception, upstreamUnreachable: !connection.IsOpen);
            }
        }
    }

    /// <summary>
    /// Whether the broker can be reached: its pooled connection is open, or a new one opens now (a connection
    /// still recovering is replaced at once, so reads go out as soon as the broker is back rather than at the
    /// library's next recovery attempt). Throws <see cref="RabbitMqTransportException"/> when it cannot connect,
    /// <see cref="RabbitMqRefusedException"/> when the broker answers no.
    /// </summary>
    public async ValueTask ProbeAsync(RabbitMqBroker broker, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var entry = _brokers.GetOrAdd(broker, b => new BrokerConnection(b, this));
        await entry.GetConnectionAsync(cancellationToken, replaceDown: true).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var broker in _brokers.Keys)
        {
            if (_brokers.TryRemove(broker, out var entry))
            {
                await entry.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async ValueTask<IChannel> CreateChannelAsync(IConnection connection, RabbitMqBroker broker, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (OperationInterruptedException exception) when (Refusal(exception.ShutdownReason, broker) is { } refusal)
        {
            // The broker closed the new connection (vhost missing or forbidden); the next read replaces it.
            throw new RabbitMqRefusedException(refusal, exception);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw new RabbitMqTransportException($"RabbitMQ {broker.Display} vhost '{broker.VirtualHost}': cannot open a channel ({Describe(exception)})", exception, upstreamUnreachable: !connection.IsOpen);
        }
    }

    private async ValueTask SweepIdleAsync()
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (_time.GetElapsedTime(last) < SweepEvery || Interlocked.CompareExchange(ref _lastSweep, _time.GetTimestamp(), last) != last)
        {
            return;
        }

        foreach (var (broker, entry) in _brokers)
        {
            var idle = entry.IdleFor;
            if (idle >= _options.IdleConnectionTimeout && _brokers.TryRemove(new KeyValuePair<RabbitMqBroker, BrokerConnection>(broker, entry)))
            {
                _logger.ConnectionIdleClosed(broker.Display, broker.VirtualHost, idle);
                await entry.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async ValueTask DisposeQuietlyAsync(IChannel channel)
    {
        try
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Disposing a broken channel may throw anything; the read already has its outcome.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// Why the broker refused the user or vhost, from a failed connect: a refusal is an answer (an unavailable
    /// reading), not a transport failure to retry.
    /// </summary>
    private static string? Refusal(Exception exception, RabbitMqBroker broker)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AuthenticationFailureException:
                    return "authentication failed (check the user name and password)";
                case OperationInterruptedException { ShutdownReason: { } reason } when Refusal(reason, broker) is { } refusal:
                    return refusal;
                default:
                    break;
            }
        }

        return null;
    }

    /// <summary>A connection close that refuses the vhost (530 NOT_ALLOWED: no such vhost; 403 ACCESS_REFUSED: no permission).</summary>
    private static string? Refusal(ShutdownEventArgs? reason, RabbitMqBroker broker) =>
        reason is { Initiator: ShutdownInitiator.Peer, ClassId: 10, ReplyCode: Constants.NotAllowed or Constants.AccessRefused }
            ? $"access to vhost '{broker.VirtualHost}' refused (the vhost does not exist or the user has no permission on it)"
            : null;

    /// <summary>The exception's type and innermost message, for reasons: library messages carry no credentials.</summary>
    internal static string Describe(Exception exception)
    {
        var inner = exception;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner == exception ? $"{exception.GetType().Name}: {exception.Message}" : $"{exception.GetType().Name}: {inner.GetType().Name}: {inner.Message}";
    }

    /// <summary>One broker's connection and idle channels.</summary>
    private sealed class BrokerConnection(RabbitMqBroker broker, RabbitMqConnectionPool pool) : IAsyncDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly ConcurrentQueue<IChannel> _idle = new();
        private IConnection? _connection;
        private long _downSince; // a TimeProvider timestamp; 0 while the connection is up
        private long _lastUsed = pool._time.GetTimestamp();
        private int _disposed;

        public TimeSpan IdleFor => pool._time.GetElapsedTime(Interlocked.Read(ref _lastUsed));

        public void Touch() => Interlocked.Exchange(ref _lastUsed, pool._time.GetTimestamp());

        /// <param name="cancellationToken">Ends the wait.</param>
        /// <param name="replaceDown">Replace a connection that is down now, instead of waiting for its recovery.</param>
        public async ValueTask<IConnection> GetConnectionAsync(CancellationToken cancellationToken, bool replaceDown = false)
        {
            if (Volatile.Read(ref _connection) is { IsOpen: true } open)
            {
                return open;
            }

            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                if (_connection is { } current)
                {
                    if (current.IsOpen)
                    {
                        return current;
                    }

                    if (Refusal(current.CloseReason, broker) is not null)
                    {
                        // Refused connections do not recover by themselves; try again now (the vhost may exist by now).
                        _connection = null;
                        await DropAsync(current).ConfigureAwait(false);
                        return await ConnectAndKeepAsync(cancellationToken).ConfigureAwait(false);
                    }

                    Interlocked.CompareExchange(ref _downSince, pool._time.GetTimestamp(), 0);
                    var down = pool._time.GetElapsedTime(Interlocked.Read(ref _downSince));
                    if (down < pool._options.ReplaceDownConnectionAfter && !replaceDown)
                    {
                        var why = current.CloseReason is { } reason ? $"{reason.ReplyCode} {reason.ReplyText}" : "closed";
                        throw new RabbitMqTransportException($"RabbitMQ {broker.Display} vhost '{broker.VirtualHost}': connection lost ({why}); recovering", null, upstreamUnreachable: true);
                    }

                    pool._logger.ConnectionReplaced(broker.Display, broker.VirtualHost, down);
                    _connection = null;
                    await DropAsync(current).ConfigureAwait(false);
                }

                return await ConnectAndKeepAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        private async ValueTask<IConnection> ConnectAndKeepAsync(CancellationToken cancellationToken)
        {
            var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _downSince, 0);
            Volatile.Write(ref _connection, connection);
            return connection;
        }

        public async ValueTask<IChannel?> TakeIdleChannelAsync()
        {
            while (_idle.TryDequeue(out var channel))
            {
                if (channel.IsOpen)
                {
                    return channel;
                }

                await DisposeQuietlyAsync(channel).ConfigureAwait(false);
            }

            return null;
        }

        public async ValueTask ReturnChannelAsync(IChannel channel)
        {
            if (channel.IsOpen && Volatile.Read(ref _disposed) == 0 && _idle.Count < pool._options.MaxIdleChannels)
            {
                _idle.Enqueue(channel);
                return;
            }

            await DisposeQuietlyAsync(channel).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_connection is { } connection)
                {
                    _connection = null;
                    await DropAsync(connection).ConfigureAwait(false);
                }
            }
            finally
            {
                _gate.Release();
                _gate.Dispose();
            }
        }

        private async ValueTask<IConnection> ConnectAsync(CancellationToken cancellationToken)
        {
            var options = pool._options;
            var factory = new ConnectionFactory
            {
                // Fields, not a URI: the password never becomes part of a string the library could print.
                HostName = broker.Host,
                Port = broker.Port,
                VirtualHost = broker.VirtualHost,
                UserName = broker.Credentials.UserName,
                Password = broker.Credentials.Password,
                Ssl = new SslOption { Enabled = broker.Tls, ServerName = broker.Host },
                ClientProvidedName = ClientName,
                AutomaticRecoveryEnabled = true,
                // Passive declares create nothing on the broker, so there is no topology to restore.
                TopologyRecoveryEnabled = false,
                NetworkRecoveryInterval = options.NetworkRecoveryInterval,
                RequestedConnectionTimeout = options.ConnectTimeout,
                HandshakeContinuationTimeout = options.ConnectTimeout,
                ContinuationTimeout = options.RequestTimeout,
            };

            IConnection connection;
            try
            {
                connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                pool._logger.ConnectFailed(exception, broker.Display, broker.VirtualHost);
                if (Refusal(exception, broker) is { } refusal)
                {
                    pool._logger.AccessRefused(broker.Display, broker.VirtualHost, refusal);
                    throw new RabbitMqRefusedException(refusal, exception);
                }

                throw new RabbitMqTransportException($"RabbitMQ {broker.Display} vhost '{broker.VirtualHost}': cannot connect ({Describe(exception)})", exception, upstreamUnreachable: true);
            }

            if (Refusal(connection.CloseReason, broker) is { } closed)
            {
                // RabbitMQ answers connection.open for a missing vhost with connection.close 530, which the
                // client reports after handing out the connection.
                pool._logger.AccessRefused(broker.Display, broker.VirtualHost, closed);
                await DropAsync(connection).ConfigureAwait(false);
                throw new RabbitMqRefusedException(closed);
            }

            connection.ConnectionShutdownAsync += OnShutdownAsync;
            connection.RecoverySucceededAsync += OnRecoveredAsync;
            connection.ConnectionRecoveryErrorAsync += OnRecoveryErrorAsync;
            Interlocked.Increment(ref pool._connectionsOpened);
            pool._logger.ConnectionOpened(broker.Display, broker.VirtualHost, ClientName);
            return connection;
        }

        private Task OnShutdownAsync(object sender, ShutdownEventArgs e)
        {
            if (e.Initiator != ShutdownInitiator.Application)
            {
                Interlocked.CompareExchange(ref _downSince, pool._time.GetTimestamp(), 0);
                pool._logger.ConnectionLost(broker.Display, broker.VirtualHost, e.ReplyCode, e.ReplyText, pool._options.NetworkRecoveryInterval);
            }

            return Task.CompletedTask;
        }

        private Task OnRecoveredAsync(object sender, AsyncEventArgs e)
        {
            Interlocked.Exchange(ref _downSince, 0);
            pool._logger.ConnectionRecovered(broker.Display, broker.VirtualHost);
            return Task.CompletedTask;
        }

        private Task OnRecoveryErrorAsync(object sender, ConnectionRecoveryErrorEventArgs e)
        {
            pool._logger.RecoveryFailed(e.Exception, broker.Display, broker.VirtualHost);
            return Task.CompletedTask;
        }

        private async ValueTask DropAsync(IConnection connection)
        {
            connection.ConnectionShutdownAsync -= OnShutdownAsync;
            connection.RecoverySucceededAsync -= OnRecoveredAsync;
            connection.ConnectionRecoveryErrorAsync -= OnRecoveryErrorAsync;
            while (_idle.TryDequeue(out var channel))
            {
                await DisposeQuietlyAsync(channel).ConfigureAwait(false);
            }

            try
            {
                // Abort: a down connection cannot close cleanly, and waiting for it would hold up a read.
                await connection.AbortAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Closing a broken connection may throw anything; it is being dropped.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }
}

/// <summary>The broker answered and refused the user or vhost: an unavailable reading, not a transport failure.</summary>
internal sealed class RabbitMqRefusedException : Exception
{
    public RabbitMqRefusedException(string reason, Exception? innerException)
        : base(reason, innerException)
    {
    }

    public RabbitMqRefusedException(string reason)
        : base(reason)
    {
    }

    public RabbitMqRefusedException()
    {
    }
}
