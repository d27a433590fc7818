using Microsoft.Extensions.Logging.Testing;
using System.Net.Http;
using System.Text;
using Microsoft.AspNetCore.Http;
using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Signals.Prometheus;
using static Scaler.Tests.Signals.Prometheus.LoopbackServer;

namespace Scaler.Tests.Signals.Prometheus;

/// <summary>Faults and auth against a loopback fake of the Prometheus HTTP API.</summary>
public class PrometheusFaultTests
{
    private const string Token = "tok-SECRET-1234";
    private const string User = "scaler";
    private const string Password = "pw-SECRET-5678";
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task GetAsync_ServerSlowerThanTimeout_UnavailableTimedOut()
    {
        await using var server = await StartAsync();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Handler = async context =>
        {
            arrived.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        };
        using var h = new PrometheusHarness(o => o.MaxRetryAttempts = 0);

        var pending = h.Cache.GetAsync(new PrometheusQuery(server.Address, "up"), CancellationToken.None).AsTask();
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        var reading = await pending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((SignalStatus.Unavailable, ReadFailure.Timeout, "timed out after 1 s"), (reading.Status, reading.Failure, reading.Reason));
    }

    [Theory]
    // HTML from a proxy where JSON should be.
    [InlineData(200, "<html>gateway</html>", "malformed", "malformed response")]
    // JSON, but not a query result.
    [InlineData(200, """{"status":"success","data":{}}""", "malformed", "malformed response")]
    // A value that is not a number.
    [InlineData(200, """{"status":"success","data":{"resultType":"scalar","result":[1,"lots"]}}""", "malformed", "malformed response")]
    // A bad query: Prometheus' error text.
    [InlineData(400, """{"status":"error","errorType":"bad_data","error":"parse error: unexpected end of input"}""", "http_4xx", "bad_data: parse error: unexpected end of input")]
    // Execution error (422).
    [InlineData(422, """{"status":"error","errorType":"execution","error":"many-to-many matching not allowed"}""", "http_4xx", "many-to-many")]
    // Not found behind a proxy, no JSON: the status only.
    [InlineData(404, "<html>nope</html>", "http_4xx", "HTTP 404")]
    public async Task ReadAsync_AnswerWithoutValue_Unavailable(int status, string body, string failure, string says)
    {
        await using var server = await StartAsync();
        server.Handler = Json(body, status);
        using var h = new PrometheusHarness();

        var reading = await h.ReadAsync(new PrometheusQuery(server.Address, "up"));

        Assert.Equal((SignalStatus.Unavailable, failure), (reading.Status, reading.Failure?.Label()));
        Assert.Contains(says, reading.Reason, StringComparison.Ordinal);
    }

    [Theory]
    // Internal error: thrown so the pipeline retries.
    [InlineData(500, "http_5xx", "HTTP 500")]
    // Prometheus' own 503 (query timeout / overloaded) keeps its error text.
    [InlineData(503, "http_5xx", "timeout: query timed out")]
    public async Task ReadAsync_ServerError_Throws(int status, string failure, string says)
    {
        await using var server = await StartAsync();
        server.Handler = Json("""{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}""", status);
        using var h = new PrometheusHarness();

        var thrown = await Assert.ThrowsAsync<SignalSourceException>(async () => await h.ReadAsync(new PrometheusQuery(server.Address, "up")));

        Assert.Equal(failure, thrown.Failure.Label());
        Assert.Contains(says, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_ConnectionReset_UnavailableConnection()
    {
        await using var server = await StartAsync();
        server.Handler = static context =>
        {
            context.Abort();
            return Task.CompletedTask;
        };
        using var h = new PrometheusHarness(o => o.MaxRetryAttempts = 0);
        var query = new PrometheusQuery(server.Address, "up");

        var direct = await Assert.ThrowsAsync<SignalSourceException>(async () => await h.ReadAsync(query));
        var reading = await h.Cache.GetAsync(query, CancellationToken.None);

        Assert.Equal(ReadFailure.Connection, direct.Failure);
        Assert.Equal((SignalStatus.Unavailable, ReadFailure.Connection), (reading.Status, reading.Failure));
        Assert.Contains("unreachable", reading.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_FlappingWithoutRetries_AlternatesFreshAndStaleKeepingLastGood()
    {
        await using var server = await StartAsync();
        server.Handler = Flapping(server);
        using var h = new PrometheusHarness(o => (o.MaxRetryAttempts, o.CircuitBreakerMinimumThroughput) = (0, 1000));
        var query = new PrometheusQuery(server.Address, "up");

        var readings = new List<Reading> { await h.Cache.GetAsync(query, CancellationToken.None) };
        for (var i = 0; i < 3; i++)
        {
            await h.AdvanceAndRefreshAsync(query, Refresh);
            readings.Add(await h.Cache.GetAsync(query, CancellationToken.None));
        }

        Assert.Equal([SignalStatus.Fresh, SignalStatus.Stale, SignalStatus.Fresh, SignalStatus.Stale], readings.Select(r => r.Status));
        Assert.Equal([1.0, 1.0, 3.0, 3.0], readings.Select(r => r.Value));
    }

    [Fact]
    public async Task GetAsync_FlappingWithRetries_StaysFresh()
    {
        await using var server = await StartAsync();
        server.Handler = Flapping(server);
        using var h = new PrometheusHarness(o => (o.RetryBaseDelay, o.RetryMaxDelay) = (TimeSpan.Zero, TimeSpan.Zero));
        var query = new PrometheusQuery(server.Address, "up");

        var readings = new List<Reading> { await h.Cache.GetAsync(query, CancellationToken.None) };
        for (var i = 0; i < 3; i++)
        {
            await h.AdvanceAndRefreshAsync(query, Refresh);
            readings.Add(await h.Cache.GetAsync(query, CancellationToken.None));
        }

        Assert.All(readings, r => Assert.Equal(SignalStatus.Fresh, r.Status));
        Assert.Equal(7, server.Requests);
    }

    public static TheoryData<string> AuthKinds => ["bearer", "basic"];

    [Theory]
    [MemberData(nameof(AuthKinds))]
    public async Task ReadAsync_Credentials_SentAndChecked(string kind)
    {
        await using var server = await StartAsync();
        server.Handler = RequiringAuth();
        using var h = new PrometheusHarness();

        var right = await h.ReadAsync(new PrometheusQuery(server.Address, "up", Auth(kind)));
        var wrong = await h.ReadAsync(new PrometheusQuery(server.Address, "up", kind == "bearer" ? new BearerAuth("other") : new BasicAuth(User, "other")));
        var none = await h.ReadAsync(new PrometheusQuery(server.Address, "up"));

        Assert.Equal((SignalStatus.Fresh, 1.0), (right.Status, right.Value));
        Assert.Equal((SignalStatus.Unavailable, ReadFailure.Rejected, "Prometheus refused the credentials (HTTP 401)"), (wrong.Status, wrong.Failure, wrong.Reason));
        Assert.Equal(SignalStatus.Unavailable, none.Status);
    }

    [Theory]
    [MemberData(nameof(AuthKinds))]
    public async Task Secrets_AcrossEveryOutcome_NeverInReasonsLogsMetricsOrKeys(string kind)
    {
        var server = await StartAsync();
        var auth = Auth(kind);
        var step = 0;
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));
        var secrets = kind == "bearer" ? new[] { Token } : new[] { Password, basic };
        var raw = string.Join(" ", secrets);
        server.Handler = async context =>
        {
            // Each refresh a different outcome, several echoing the credentials back.
            var echo = context.Request.Headers.Authorization.ToString();
            await (Interlocked.Increment(ref step) switch
            {
                1 => RequiringAuth()(context),
                2 => Json($$"""{"status":"error","errorType":"internal","error":"upstream said {{echo}} and {{raw}}"}""", 500)(context),
                3 => Json($$"""{"status":"error","errorType":"bad_data","error":"bad header {{echo}} {{raw}}"}""", 400)(context),
                4 => Json("garbage " + echo)(context),
                _ => Json("{}", 401)(context),
            });
        };
        using var h = new PrometheusHarness(o => (o.MaxRetryAttempts, o.CircuitBreakerMinimumThroughput) = (0, 1000));
        var address = server.Address;
        var query = new PrometheusQuery(address, "up", auth);
        var reasons = new List<string?> { (await h.Cache.GetAsync(query, CancellationToken.None)).Reason };
        for (var i = 0; i < 4; i++)
        {
            await h.AdvanceAndRefreshAsync(query, Refresh);
            reasons.Add((await h.Cache.GetAsync(query, CancellationToken.None)).Reason);
        }

        await server.DisposeAsync();
        await h.AdvanceAndRefreshAsync(query, Refresh);
        reasons.Add((await h.Cache.GetAsync(query, CancellationToken.None)).Reason);
        await h.AdvanceAndRefreshAsync(query, TimeSpan.FromSeconds(61));
        reasons.Add((await h.Cache.GetAsync(query, CancellationToken.None)).Reason);
        var everything = string.Join("\n", reasons) + "\n" + string.Join("\n", h.Logs.Lines()) + "\n" + await h.ScrapeAsync()
            + "\n" + query.Key + "\n" + query + "\n" + auth;

        Assert.Equal(5, step);
        Assert.Contains("HTTP 500", everything, StringComparison.Ordinal);
        Assert.Contains("bad_data", everything, StringComparison.Ordinal);
        Assert.Contains("malformed response", everything, StringComparison.Ordinal);
        Assert.Contains("unreachable", everything, StringComparison.Ordinal);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Key_DifferentCredentials_DifferentKeysWithoutSecrets()
    {
        var address = new Uri("http://prometheus:9090");

        var a = new PrometheusQuery(address, "up", new BearerAuth(Token));
        var b = new PrometheusQuery(address, "up", new BearerAuth(Token + "x"));
        var same = new PrometheusQuery(address, "up", new BearerAuth(Token));

        Assert.NotEqual(a.Key, b.Key);
        Assert.Equal(a.Key, same.Key);
        Assert.DoesNotContain(Token, a.Key, StringComparison.Ordinal);
        Assert.Equal("http://prometheus:9090", a.Upstream);
    }

    [Theory]
    // Credentials in the URL are refused: they would end up in keys and logs.
    [InlineData("http://user:pass@prometheus:9090")]
    // Not HTTP.
    [InlineData("ftp://prometheus")]
    // A query string would be mangled by the appended API path.
    [InlineData("http://prometheus:9090/?x=1")]
    public void Constructor_BadServerAddress_Throws(string address) =>
        Assert.Throws<ArgumentException>(() => new PrometheusQuery(new Uri(address), "up"));

    private static PrometheusAuth Auth(string kind) => kind == "bearer" ? new BearerAuth(Token) : new BasicAuth(User, Password);

    /// <summary>Answers value 1 when the Authorization header is one of the expected ones, else 401 (as a reverse proxy in front of Prometheus would).</summary>
    private static Func<HttpContext, Task> RequiringAuth() => context =>
    {
        var header = context.Request.Headers.Authorization.ToString();
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));
        return header == "Bearer " + Token || header == basic
            ? Json(Vector("1"))(context)
            : Json("""{"status":"error","errorType":"unauthorized","error":"unauthorized"}""", 401)(context);
    };

    /// <summary>Odd requests answer their number, even ones HTTP 500.</summary>
    private static Func<HttpContext, Task> Flapping(LoopbackServer server) => context =>
    {
        var n = server.Requests;
        return n % 2 == 1 ? Json(Vector(n.ToString(System.Globalization.CultureInfo.InvariantCulture)))(context) : Json("{}", 500)(context);
    };
}
