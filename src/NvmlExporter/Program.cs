using NvmlExporter.Attribution;
using NvmlExporter.Hosting;

// The exporter: NVML sampled in the background, served from the last snapshot on /metrics.
var settings = ExporterSettings.Parse(args, ExporterSettings.ProcessEnvironment());
if (!settings.IsValid)
{
    foreach (var error in settings.Errors)
    {
        await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
    }

    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.AddExporterHost(settings.Options);
builder.Services.AddNvmlSampling(settings.Options);
builder.Services.AddPodAttribution(settings.Options);

var app = builder.Build();
app.MapExporterEndpoints();
return await app.RunExporterAsync(settings.Options).ConfigureAwait(false);
