using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Scaler.Tests.Signals.PrometheusText;

/// <summary>
/// A loopback HTTP server (Kestrel on 127.0.0.1, a port it picks) whose answer per path the test sets:
/// static metrics text in a real server's format, or a fault (HTTP 500, garbage, a reset, an answer that
/// never comes). Stopped by the test.
/// </summary>
internal sealed class LoopbackMetricsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _routes = new(StringComparer.Ordinal);
    private int _requests;

    private LoopbackMetricsServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<LoopbackMetricsServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new LoopbackMetricsServer(app);
        app.Run(async context =>
        {
            Interlocked.Increment(ref server._requests);
            if (server._routes.TryGetValue(context.Request.Path.Value ?? "", out var handler))
            {
                await handler(context);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
        });
        await app.StartAsync();
        server.BaseAddress = new Uri(app.Urls.First());
        return server;
    }

    public Uri Url(string path) => new(BaseAddress, path);

    /// <summary>Serves <paramref name="text"/> as Prometheus text format 0.0.4.</summary>
    public Uri Text(string path, string text) => Route(path, async context =>
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await context.Response.WriteAsync(text);
    });

    public Uri Status(string path, int status) => Route(path, context =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    });

    /// <summary>Answers headers, then waits until the client gives up or the server stops.</summary>
    public Uri Hang(string path) => Route(path, async context =>
    {
        await context.Response.Body.FlushAsync(context.RequestAborted);
        await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
    });

    /// <summary>Sends part of a body, then aborts the connection (a reset mid-answer).</summary>
    public Uri Reset(string path) => Route(path, async context =>
    {
        context.Response.ContentLength = 1_000;
        await context.Response.WriteAsync("# HELP a partial\n");
        await context.Response.Body.FlushAsync();
        context.Abort();
    });

    public Uri Route(string path, Func<HttpContext, Task> handler)
    {
        _routes[path] = handler;
        return Url(path);
    }

    /// <summary>A loopback URL nothing listens on (connection refused).</summary>
    public static Uri Closed(string path = "/metrics")
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}{path}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
