using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace NvmlExporter.Hosting;

public static class ExporterHost
{
    /// <summary>Kestrel on the configured address only, single-line console logs.</summary>
    public static WebApplicationBuilder AddExporterHost(this WebApplicationBuilder builder, ExporterOptions options)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.Listen);
        });
        builder.Logging.ClearProviders();
        // One line per event that matters, never one per scrape.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.UseUtcTimestamp = true;
        });
        return builder;
    }

    /// <summary>Runs the host; a listen address that cannot be bound ends start-up with a message naming the setting.</summary>
    public static async Task<int> RunExporterAsync(this WebApplication app, ExporterOptions options)
    {
        try
        {
            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (IOException ex) when (ex.InnerException is SocketException || ex.Message.Contains("bind", StringComparison.OrdinalIgnoreCase))
        {
            await Console.Error.WriteLineAsync($"Invalid setting --listen (NVML_EXPORTER_LISTEN): cannot listen on {options.Listen}: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
    }
}
