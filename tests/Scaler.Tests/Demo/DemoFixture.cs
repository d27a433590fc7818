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

[CollectionDefinition(Name)]
public sealed class DemoGroup : ICollectionFixture<DemoFixture>
{
    public const string Name = "demo";
}
