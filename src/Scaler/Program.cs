using Scaler.Simulation;

// The Scaler. A table of contents: commands dispatch to their folders; the web host serves the front doors.
if (args is ["simulate", ..])
{
    return SimulateCommand.Run(args[1..], Console.Out, Console.Error);
}

var builder = WebApplication.CreateSlimBuilder(args);
var app = builder.Build();
app.MapGet("/healthz", () => "ok");
await app.RunAsync().ConfigureAwait(false);
return 0;
