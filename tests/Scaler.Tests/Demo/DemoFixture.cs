namespace Scaler.Tests.Demo;

/// <summary>
/// One demo for the tests that watch it (the loop closing, the browser): a compressed day of chat traffic every
/// 30 demo minutes, at 20x, so that a rise, a peak and a fall take under two real minutes. At 40x the load
/// generator fell behind its clock when the suite's other test processes shared the 2 cores: the peak's 6
/// requests a second arrived as 4, and the Scaler rightly asked for 2 replicas, not 3.
/// </summary>
public sealed class DemoFixture : IAsyncLifetime
{
    public const double Speed = 20;

    public static readonly TimeSpan Day = TimeSpan.FromMinutes(30);

    internal DemoProcess Demo { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Demo = await DemoProcess.StartAsync("--speed", Speed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--generate", "diurnal", "--duration", "30m");

    public async Task DisposeAsync()
    {
        if (Demo is not null)
        {
            await Demo.DisposeAsync();
        }
    }
}

// Run alone, after this assembly's parallel tests: a starved demo falls behind its clock (see DemoFixture).
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DemoGroup : ICollectionFixture<DemoFixture>
{
    public const string Name = "demo";
}
