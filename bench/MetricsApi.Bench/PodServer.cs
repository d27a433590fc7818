using System.Globalization;

namespace MetricsApi.Bench;

/// <summary>vLLM's /metrics for every pod on one loopback server (<c>/pods/{name}</c>): pod i's waiting count is <c>waiting[i]</c>.</summary>
internal sealed class PodServer(WebApplication app) : IAsyncDisposable
{
    private Uri _base = null!;

    public static async Task<PodServer> StartAsync(int[] waiting)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/pods/{name}", (string name) =>
        {
            var index = int.Parse(name[(name.LastIndexOf('-') + 1)..], CultureInfo.InvariantCulture);
            var count = Volatile.Read(ref waiting[index]);
            return Results.Text(string.Create(CultureInfo.InvariantCulture, $$"""
                # HELP vllm:num_requests_running Number of requests in model execution batches.
                # TYPE vllm:num_requests_running gauge
                vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 12.0
                # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
                # TYPE vllm:num_requests_waiting gauge
                vllm:num_requests_waiting{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} {{count}}.0

                """), "text/plain; version=0.0.4");
        });
        await app.StartAsync();
        return new PodServer(app) { _base = new Uri(app.Urls.First()) };
    }

    public Uri Url(string pod) => new(_base, $"/pods/{pod}");

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
