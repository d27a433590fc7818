using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Kubelet.PodResources.V1;

namespace NvmlExporter.Attribution;

/// <summary>
/// Calls the kubelet's pod-resources <c>List</c> over its unix socket. Any failure drops the channel,
/// so the next call dials the socket path afresh: after a kubelet restart the path names a new socket.
/// Not thread-safe: one attribution loop calls it.
/// </summary>
public sealed class PodResourcesClient : IPodResourcesSource, IDisposable
{
    /// <summary>The default deadline of one <c>List</c>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly string _socketPath;
    private readonly TimeSpan _timeout;
    private GrpcChannel? _channel;
    private PodResourcesLister.PodResourcesListerClient? _client;

    public PodResourcesClient(string socketPath, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        _socketPath = socketPath;
        _timeout = timeout ?? DefaultTimeout;
    }

    public string Address => _socketPath;

    /// <summary>One <c>List</c>; failures come back as readings. Throws <see cref="OperationCanceledException"/> only when <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task<PodResourcesReading> ListAsync(CancellationToken cancellationToken)
    {
        // File.Exists is true for a socket (anything but a directory).
        if (!File.Exists(_socketPath))
        {
            DropChannel();
            return PodResourcesReading.Failure(PodResourcesStatus.SocketAbsent, "no such file");
        }

        _client ??= new PodResourcesLister.PodResourcesListerClient(_channel = CreateChannel(_socketPath));
        try
        {
            // gRPC deadlines are wall-clock by protocol (sent as grpc-timeout, checked against the system
            // clock), so this reads the system clock even when the caller runs on a fake one.
            var deadline = TimeProvider.System.GetUtcNow().UtcDateTime + _timeout;
            using var call = _client.ListAsync(new ListPodResourcesRequest(), deadline: deadline, cancellationToken: cancellationToken);
            return PodResourcesReading.Ok(await call.ResponseAsync.ConfigureAwait(false));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            DropChannel();
            return Classify(ex, File.Exists(_socketPath));
        }
        catch (RpcException ex)
        {
            // The caller cancelled (shutdown): say so the .NET way, not as a failed call.
            DropChannel();
            throw new OperationCanceledException("The pod-resources List was cancelled.", ex, cancellationToken);
        }
    }

    public void Dispose() => DropChannel();

    /// <summary>Sorts a failed call into absent socket, permission denied (a non-root container), or other failure.</summary>
    internal static PodResourcesReading Classify(Exception error, bool socketExists)
    {
        if (!socketExists)
        {
            return PodResourcesReading.Failure(PodResourcesStatus.SocketAbsent, "no such file");
        }

        for (var e = error; e is not null; e = e is RpcException rpc ? rpc.Status.DebugException ?? rpc.InnerException : e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AccessDenied } denied)
            {
                return PodResourcesReading.Failure(PodResourcesStatus.PermissionDenied, denied.Message);
            }
        }

        var message = error is RpcException r ? $"{r.StatusCode}: {r.Status.Detail}" : $"{error.GetType().Name}: {error.Message}";
        return PodResourcesReading.Failure(PodResourcesStatus.Failed, message);
    }

    private static GrpcChannel CreateChannel(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            // Every new HTTP/2 connection dials the path again; the host part of the address is unused.
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };

        // The channel owns and disposes the handler.
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
        });
    }

    private void DropChannel()
    {
        _client = null;
        _channel?.Dispose();
        _channel = null;
    }
}
