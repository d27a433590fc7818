namespace Scaler.Tests.Demo;

/// <summary>
/// One demo for the tests that watch it (the loop closing, the browser): a compressed day of chat traffic every
/// 30 demo minutes, at 40x, so that a rise, a peak and a fall take well under two real minutes.
/// </summary>
public sealed class DemoFixture : IAsyncLifetime
{
    public const double Speed = 40;

    public static readonly TimeSpan Day = TimeSpan.FromMinutes(30);

    internal DemoProcess Demo { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Demo = await DemoProcess.StartAsync("--speed", "40", "--generate", "diurnal", "--duration", "30m");

    public async Task DisposeAsync()
    {
        if (Demo is not null)
        {
            await Demo.DisposeAsync();
        }
    }
}

// Run alone, after the parallel tests: at 40x a real second is 40 demo seconds, and with the other tests on the
// same 2 cores the demo's load and the Scaler's reads fall behind its clock (seen once: the count never rose
// above 2 at the peak, while alone it reaches 5 or 6).
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DemoGroup : ICollectionFixture<DemoFixture>
{
    public const string Name = "demo";
}
