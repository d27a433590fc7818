using Scaler.Simulation;

namespace Scaler.Demo;

/// <summary>Steps the simulated deployment along the demo clock, and says what it does once a demo minute on the console.</summary>
internal sealed partial class DemoDriver(DemoDeployment deployment, TimeProvider time, ILogger<DemoDriver> log) : BackgroundService
{
    private static readonly TimeSpan StatusEvery = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextStatus = time.GetUtcNow() + StatusEvery;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            deployment.AdvanceTo(now);
            if (now >= nextStatus)
            {
                nextStatus += StatusEvery;
                if (log.IsEnabled(LogLevel.Information))
                {
                    var status = deployment.Status();
                    LogStatus(log, status);
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(Simulator.TickSeconds * 4), time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "{Status}")]
    private static partial void LogStatus(ILogger logger, string status);
}
