using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Scaler.Hosting;

namespace Scaler.Demo;

/// <summary>
/// <c>scaler demo</c>: the real Scaler, composed as <c>Program</c> composes it, on a simulated deployment in
/// accelerated time. Prints the page's URL and the ScaledObject it plays, then runs until Ctrl+C (or SIGTERM)
/// stops the host, the simulated network and the KEDA loop together. Bad options are errors on stderr with
/// exit code 2; a port already taken is one with exit code 1, naming the option to change.
/// </summary>
internal static class DemoCommand
{
    public const int UsageError = 2;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var (options, errors) = DemoOptions.Parse(args);
        if (options.Help)
        {
            await stdout.WriteLineAsync(DemoOptions.Usage).ConfigureAwait(false);
            return 0;
        }

        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                await stderr.WriteLineAsync($"scaler demo: {error}").ConfigureAwait(false);
            }

            await stderr.WriteLineAsync("Run 'scaler demo --help' for the options.").ConfigureAwait(false);
            return UsageError;
        }

        var network = FreeNetwork();
        var podPort = options.PodPort == 0 ? FreePort(new IPAddress([127, network, 0, 2])) : options.PodPort;
        var time = new AcceleratedTimeProvider(options.Speed);
        var deployment = new DemoDeployment(options, time.GetUtcNow(), network);
        var scaledObject = new DemoScaledObject(options.MaxReplicas, podPort);

        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(DemoServiceCollectionExtensions.Settings(options));
        builder.Services.AddDemo(time, deployment, scaledObject, podPort);
        builder.AddScaler();
        await using var app = builder.Build();
        app.MapScaler();
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await stderr.WriteLineAsync($"scaler demo: {e.Message} Another program holds a port the demo needs: choose others with --grpc-port, --http-port, --https-port or --pod-port (0: any free port); the GPU exporters need {DemoNetwork.ExporterPort} on 127.n.1.x.").ConfigureAwait(false);
            return 1;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        var (grpc, http) = (addresses[0], addresses[1]);
        await stdout.WriteLineAsync($"""
            Scaler demo: the real Scaler on a simulated vLLM deployment ({options.Shape.ToString().ToLowerInvariant()} load, seed {options.Seed}), {options.Speed:0.#}x accelerated time.
            page: {http}
            clock: demo time runs {options.Speed:0.#}x from {PageClock(deployment)}
            gRPC: {grpc.Authority} (KEDA's external scaler; the KEDA-like loop polls it and streams IsActive)
            pods: vLLM metrics on {deployment.PodAddresses[0]}-{deployment.PodAddresses[^1].GetAddressBytes()[3]}:{podPort}/metrics; GPU exporters on {deployment.Nodes[0].ExporterAddress}-{deployment.Nodes.Count}:{DemoNetwork.ExporterPort}/metrics
            The ScaledObject it plays:

            {scaledObject.Yaml(grpc.Authority)}
            Ctrl+C stops it.
            """).ConfigureAwait(false);
        await stdout.FlushAsync().ConfigureAwait(false);
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        await stdout.WriteLineAsync("scaler demo: stopped").ConfigureAwait(false);
        return 0;
    }

    private static string PageClock(DemoDeployment deployment) => deployment.Epoch.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    // The exporters' port is the product's fixed 9400: a second demo on the machine takes the next 127.n block.
    private static byte FreeNetwork()
    {
        for (var network = 0; network < 32; network++)
        {
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(new IPAddress([127, (byte)network, 1, 1]), DemoNetwork.ExporterPort));
                return (byte)network;
            }
            catch (SocketException)
            {
            }
        }

        return 0;
    }

    // A port free on the first pod address; the others are free on it too unless something holds a wildcard.
    private static int FreePort(IPAddress address)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
