using Scaler.FrontDoors.Keda;
using Scaler.Hosting;
using Scaler.Signals;
using Scaler.Simulation;

// The Scaler. A table of contents: commands dispatch to their folders; the web host serves the front doors.
if (args is ["simulate", ..])
{
    return SimulateCommand.Run(args[1..], Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddScalerHost();
builder.Services.AddSignalSources();
builder.Services.AddKedaFrontDoor();

var app = builder.Build();
app.MapScalerEndpoints();
app.MapKedaFrontDoor();
await app.RunAsync().ConfigureAwait(false);
return 0;
