using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keda.Bench;

/// <summary>
/// A loopback Prometheus: <c>GET /api/v1/query</c> answers a one-series instant vector whose value is set
/// per query (<see cref="Set"/>), else <see cref="DefaultValue"/>. The Scaler under test reads it through
/// its real Prometheus source (HTTP client, resilience pipeline, JSON parsing, reading cache).
/// </summary>
internal sealed class FakePrometheus : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, double> _values = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _connections = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private long _reads;

    public double DefaultValue { get; set; }

    public Uri Address { get; private set; } = null!;

    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Distinct HTTP connections the readers used (a pooled client reuses a few).</summary>
    public int Connections => _connections.Count;

    public void Set(string query, double value) => _values[query] = value;

    public static async Task<FakePrometheus> StartAsync()
    {
        var fake = new FakePrometheus();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/api/v1/query", (HttpContext context) => fake.Answer(context));
        await app.StartAsync();
        fake._app = app;
        fake.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return fake;
    }

    private IResult Answer(HttpContext context)
    {
        Interlocked.Increment(ref _reads);
        _connections.TryAdd(context.Connection.Id, 0);
        var query = context.Request.Query["query"].ToString();
        var value = _values.TryGetValue(query, out var set) ? set : DefaultValue;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var body = string.Create(CultureInfo.InvariantCulture,
            $$$"""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[{{{now:0.###}}},"{{{value}}}"]}]}}""");
        return Results.Text(body, "application/json");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
