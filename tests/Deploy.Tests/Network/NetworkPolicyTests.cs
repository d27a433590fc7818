using System.Text.Json;
using Deploy.Tests.Support;

namespace Deploy.Tests.Network;

/// <summary>deploy/network-policy against the pods it guards: each port it opens is one the pods serve, and only from where it should.</summary>
public sealed class NetworkPolicyTests
{
    private const string Directory = "deploy/network-policy";

    private static JsonElement Policy(string name) => Kustomize.Render(Directory).One("NetworkPolicy", name);

    private static JsonElement Rule(JsonElement policy, string port) =>
        Assert.Single(policy.Items("spec.ingress"), r => r.Items("ports").Any(p => p.Text("port") == port));

    [Theory]
    // KEDA's external scaler, only from KEDA's operator pods in the keda namespace.
    [InlineData("grpc", 9090)]
    // HTTPS (custom metrics API), only from the API server's addresses.
    [InlineData("https", 6443)]
    // /metrics, only from the monitoring namespace.
    [InlineData("http", 8080)]
    // Between the Scaler's replicas (a follower asks the leader), only from the Scaler's own pods.
    [InlineData("peer", 9091)]
    public void Scaler_EveryPortItOpens_IsAContainerPortOfTheScaler(string port, int number)
    {
        var deployment = Kustomize.Render("deploy/scaler/base").One("Deployment", "scaler");

        Assert.True(Policy("scaler").At("spec.podSelector.matchLabels").Selects(deployment.At("spec.template.metadata.labels")));
        Assert.Equal(number, deployment.Container("scaler").Named("ports", port).At("containerPort").GetInt32());
        Assert.Equal(["Ingress"], Policy("scaler").Items("spec.policyTypes").Select(t => t.GetString()));
        Assert.Equal(4, Policy("scaler").Items("spec.ingress").Count());
    }

    [Fact]
    public void Scaler_Peer_OnlyFromTheScalersOwnPods()
    {
        var deployment = Kustomize.Render("deploy/scaler/base").One("Deployment", "scaler");
        var from = Assert.Single(Rule(Policy("scaler"), "peer").Items("from"));

        Assert.Null(from.Find("namespaceSelector"));
        Assert.True(from.At("podSelector.matchLabels").Selects(deployment.At("spec.template.metadata.labels")));
        Assert.Equal(new global::Scaler.Hosting.ScalerHostOptions().PeerPort, deployment.Container("scaler").Named("ports", "peer").At("containerPort").GetInt32());
    }

    [Fact]
    public void Scaler_Grpc_OnlyFromKedasOperator()
    {
        var from = Assert.Single(Rule(Policy("scaler"), "grpc").Items("from"));

        // Namespace and pod selector in one peer: both must match (two peers would mean either).
        Assert.Equal("keda", from.At("namespaceSelector.matchLabels").Property("kubernetes.io/metadata.name"));
        Assert.Equal("keda-operator", from.At("podSelector.matchLabels").Property("app.kubernetes.io/name"));
    }

    [Fact]
    public void Scaler_Https_OnlyFromAnAddressBlock_ThePlaceholderMatchesNothingReal()
    {
        var from = Assert.Single(Rule(Policy("scaler"), "https").Items("from"));

        Assert.Null(from.Find("namespaceSelector"));
        Assert.Null(from.Find("podSelector"));
        // TEST-NET-1 (RFC 5737) until the operator patches in the control plane's addresses.
        Assert.Equal("192.0.2.0/24", from.Text("ipBlock.cidr"));
    }

    [Theory]
    [InlineData("scaler", "http")]
    [InlineData("nvml-exporter", "metrics")]
    public void Metrics_OnlyFromTheMonitoringNamespace(string policy, string port)
    {
        var from = Assert.Single(Rule(Policy(policy), port).Items("from"));

        Assert.Equal("monitoring", from.At("namespaceSelector.matchLabels").Property("kubernetes.io/metadata.name"));
        Assert.Null(from.Find("ipBlock"));
    }

    [Fact]
    public void Exporter_OnlyItsMetricsPort_WhichTheServiceMonitorScrapes()
    {
        var daemonSet = Kustomize.Render("deploy/exporter/base").One("DaemonSet", "nvml-exporter");
        var monitor = Kustomize.Render("deploy/exporter/base").One("ServiceMonitor", "nvml-exporter");

        Assert.True(Policy("nvml-exporter").At("spec.podSelector.matchLabels").Selects(daemonSet.At("spec.template.metadata.labels")));
        Assert.Single(Policy("nvml-exporter").Items("spec.ingress"));
        Assert.Equal(monitor.Items("spec.endpoints").Single().Text("port"), Rule(Policy("nvml-exporter"), "metrics").Items("ports").Single().Text("port"));
        Assert.Equal(9400, daemonSet.Container("nvml-exporter").Named("ports", "metrics").At("containerPort").GetInt32());
    }

    [Fact]
    public void Availability_TwoScalersOneEvictableAtATime_ExporterIsNodeCritical()
    {
        var scaler = Kustomize.Render("deploy/scaler/base");
        var budget = scaler.One("PodDisruptionBudget", "scaler");
        var deployment = scaler.One("Deployment", "scaler");

        Assert.True(budget.At("spec.selector.matchLabels").Selects(deployment.At("spec.template.metadata.labels")));
        // Two replicas, leader and follower: a drain evicts one at a time, and the other answers.
        Assert.Equal(2, deployment.At("spec.replicas").GetInt32());
        Assert.Equal(1, budget.At("spec.maxUnavailable").GetInt32());
        Assert.Equal("kubernetes.io/hostname", Assert.Single(deployment.PodSpec().Items("affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution")).Text("podAffinityTerm.topologyKey"));
        Assert.Equal("AlwaysAllow", budget.Text("spec.unhealthyPodEvictionPolicy"));
        Assert.All(["deploy/exporter/base", "deploy/exporter/overlays/gpu-operator", "deploy/exporter/overlays/standalone"], directory =>
            Assert.Equal("system-node-critical", Kustomize.Render(directory).One("DaemonSet", "nvml-exporter").PodSpec().Text("priorityClassName")));
    }
}
