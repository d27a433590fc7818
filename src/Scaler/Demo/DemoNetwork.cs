using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Scaler.Demo;

/// <summary>
/// The simulated cluster's network, as the Scaler reaches it: every pod address (127.0.0.2, …) serves that
/// pod's vLLM metrics on the pod port, and every node's exporter address (127.0.1.n) serves its GPU exporter
/// on 9400, the NvmlExporter's port (the GPU source's fixed exporter port). A second demo on the machine uses
/// the next 127.n block. One small server of its own, started and stopped with the demo.
/// </summary>
internal sealed class DemoNetwork(DemoDeployment deployment, int podPort) : IHostedService, IAsyncDisposable
{
    /// <summary>The NvmlExporter's port, which the GPU source scrapes.</summary>
    public const int ExporterPort = 9400;

    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var address in deployment.PodAddresses)
            {
                kestrel.Listen(address, podPort, listen => listen.Protocols = HttpProtocols.Http1);
            }

            foreach (var node in deployment.Nodes)
            {
                kestrel.Listen(node.ExporterAddress, ExporterPort, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });
        _app = builder.Build();
        _app.MapGet("/metrics", (HttpContext context) =>
        {
            var local = context.Connection.LocalIpAddress ?? IPAddress.None;
            var text = context.Connection.LocalPort == ExporterPort ? deployment.ExporterMetrics(local) : deployment.PodMetrics(local);

            // A pod without a serving server refuses in a cluster; here the address answers 503.
            return text is null
                ? Results.Text("no serving pod at this address", statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Text(text, "text/plain; version=0.0.4; charset=utf-8");
        });
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
