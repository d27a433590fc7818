using System.Globalization;

namespace Scaler.Simulation;

/// <summary>The model of one inference deployment. Every default is an assumption stated in docs/simulator.md.</summary>
internal sealed record DeploymentOptions
{
    /// <summary>The server model each replica runs. Default <see cref="ServerModel.Vllm"/>.</summary>
    public ServerModel Server { get; init; } = ServerModel.Vllm;

    /// <summary>How arriving requests reach replicas. Default <see cref="Routing.Service"/>.</summary>
    public Routing Routing { get; init; } = Routing.Service;

    /// <summary>From replica creation to ready (image cached, model load and engine init). Default 60 s.</summary>
    public TimeSpan StartupDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Ready replicas at time 0. Default 1.</summary>
    public int InitialReplicas { get; init; } = 1;

    /// <summary>Knobs of the vLLM-like server.</summary>
    public VllmServerOptions Vllm { get; init; } = new();

    /// <summary>Knobs of the first server model.</summary>
    public ClassicServerOptions Classic { get; init; } = new();

    /// <summary>The first model exactly as earlier reports ran it: classic server behind one gateway queue.</summary>
    public static DeploymentOptions ClassicPreset { get; } = new() { Server = ServerModel.Classic, Routing = Routing.Gateway };

    /// <summary>A new, empty deployment of this model.</summary>
    public IDeployment Create(double tickSeconds) => Server == ServerModel.Classic
        ? new ClassicDeployment(this, tickSeconds)
        : new VllmDeployment(this, tickSeconds);

    /// <summary>The per-request costs the capacity bound uses for this model.</summary>
    public IServerCosts Costs => Server == ServerModel.Classic ? new ClassicCosts(Classic) : new VllmCosts(Vllm);

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{(Server == ServerModel.Classic ? Classic.Describe() : Vllm.Describe())}; start-up {StartupDelay.TotalSeconds:0.#} s; routing: {RoutingName(Routing)}");

    public static string RoutingName(Routing routing) => routing switch
    {
        Routing.Service => "service (random pod at arrival)",
        Routing.LeastLoaded => "least-loaded (pod with fewest requests at arrival)",
        _ => "gateway (one queue)",
    };
}
