// The Scaler host. Front doors and signals land in later increments; for now it serves health.
var builder = WebApplication.CreateSlimBuilder(args);
var app = builder.Build();
app.MapGet("/healthz", () => "ok");
await app.RunAsync().ConfigureAwait(false);
