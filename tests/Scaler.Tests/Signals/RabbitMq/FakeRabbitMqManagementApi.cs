using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Scaler.Tests.Signals.RabbitMq;

/// <summary>
/// A loopback stand-in for the RabbitMQ management API that answers whatever a test says (HTTP 500, garbage,
/// a slow answer), for the faults a real broker will not produce on demand. Records what it was asked.
/// </summary>
internal sealed class FakeRabbitMqManagementApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeRabbitMqManagementApi(WebApplication app) => _app = app;

    /// <summary>What to answer; default: 200 with a queue object of 4 ready and 2 unacknowledged messages.</summary>
    public Func<HttpContext, Task> Respond { get; set; } = context => Answer(context, 200, QueueJson(ready: 4, unacked: 2));

    /// <summary>Raw request targets (path and query as sent, still percent-encoded) and Authorization headers.</summary>
    public ConcurrentQueue<(string Target, string? Authorization)> Requests { get; } = new();

    public Uri BaseUri { get; private set; } = null!;

    public static async Task<FakeRabbitMqManagementApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakeRabbitMqManagementApi(app);
        app.Run(context =>
        {
            var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget;
            fake.Requests.Enqueue((target, context.Request.Headers.Authorization.ToString()));
            return fake.Respond(context);
        });
        await app.StartAsync();
        fake.BaseUri = new Uri(app.Urls.Single());
        return fake;
    }

    public static Task Answer(HttpContext context, int status, string body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(body);
    }

    public static string QueueJson(long ready, long unacked) =>
        $$"""{"name":"jobs","vhost":"/","consumers":1,"messages":{{ready + unacked}},"messages_ready":{{ready}},"messages_unacknowledged":{{unacked}}}""";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
