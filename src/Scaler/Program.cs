using Scaler.Demo;
using Scaler.Hosting;
using Scaler.Simulation;

// The Scaler. A table of contents: commands dispatch to their folders; the web host serves the front doors
// (ScalerApp: the host, the signal sources, the KEDA front door).
if (args is ["simulate", ..])
{
    return SimulateCommand.Run(args[1..], Console.Out, Console.Error);
}

if (args is ["demo", ..])
{
    return await DemoCommand.RunAsync(args[1..], Console.Out, Console.Error).ConfigureAwait(false);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddScaler();

var app = builder.Build();
app.MapScaler();
await app.RunAsync().ConfigureAwait(false);
return 0;
