using Deploy.Tests.Support;

namespace Deploy.Tests.Kustomizations;

/// <summary>Every kustomization under deploy/ renders, and every object it renders passes its schema.</summary>
public sealed class SchemaValidationTests
{
    /// <summary>
    /// Kinds with no schema package on npm (grafana-operator, LeaderWorkerSet, KServe): their fields are
    /// checked by hand in Monitoring/DashboardTests and Examples/ExampleTests.
    /// </summary>
    private static readonly HashSet<string> CheckedByHand = new(StringComparer.Ordinal)
    {
        "grafana.integreatly.org/v1beta1/GrafanaDashboard",
        "leaderworkerset.x-k8s.io/v1/LeaderWorkerSet",
        "serving.kserve.io/v1beta1/InferenceService",
    };

    public static TheoryData<string> Kustomizations => [.. Kustomize.All()];

    [Fact]
    public void All_FindsEveryDeployDirectory()
    {
        // A floor, so that a broken search cannot pass the theory below with no rows.
        Assert.Contains("deploy/monitoring/base", Kustomize.All());
        Assert.Contains("deploy/examples/vllm-keda", Kustomize.All());
        Assert.True(Kustomize.All().Count >= 16);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Render_EveryObject_PassesTheKubernetesOrCrdSchema(string directory)
    {
        var manifests = Kustomize.Render(directory);

        var verdicts = SchemaValidator.Validate(manifests);

        Assert.NotEmpty(verdicts);
        Assert.Equal(manifests.Objects.Count, verdicts.Count);
        Assert.All(verdicts, v => Assert.True(
            v.Result == "valid" || (v.Result == "no-schema" && CheckedByHand.Contains($"{v.ApiVersion}/{v.Kind}")),
            $"{directory}: {v.ApiVersion} {v.Kind}/{v.Name} is {v.Result}: {string.Join("; ", v.Errors)}"));
    }

    [Fact]
    public void Validator_AWrongFieldType_IsRefused()
    {
        // The validator itself, on a ScaledObject whose minReplicaCount is a string: it must say invalid.
        var broken = Manifests.Parse("broken", """{"apiVersion":"keda.sh/v1alpha1","kind":"ScaledObject","metadata":{"name":"x"},"spec":{"scaleTargetRef":{"name":"y"},"minReplicaCount":"zero","triggers":[{"type":"external-push","metadata":{}}]}}""");

        var verdict = Assert.Single(SchemaValidator.Validate(broken));

        Assert.Equal("invalid", verdict.Result);
        Assert.Contains(verdict.Errors, e => e.Contains("minReplicaCount", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Render_BuiltInKinds_HaveNoFieldTheKindLacks(string directory)
    {
        var builtIn = Kustomize.Render(directory).Objects.Where(o => StrictFields.ModelFor(o) is not null).ToList();

        Assert.All(builtIn, o => Assert.True(StrictFields.Check(o) is null, $"{directory}: {o.Text("kind")}/{o.Text("metadata.name")}: {StrictFields.Check(o)}"));
    }

    [Fact]
    public void StrictFields_AMisspeltField_IsRefused()
    {
        var deployment = Manifests.Parse("typo", """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"spec":{"containers":[{"name":"c","image":"i","imagePullPolicyy":"Always"}]}}}}""").Objects.Single();
        var correct = Manifests.Parse("ok", """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"spec":{"containers":[{"name":"c","image":"i","imagePullPolicy":"Always","ports":[{"name":"http","containerPort":80}],"resources":{"limits":{"memory":"64Mi"}}}]}}}}""").Objects.Single();

        Assert.Contains("imagePullPolicyy", StrictFields.Check(deployment), StringComparison.Ordinal);
        Assert.Null(StrictFields.Check(correct));
        Assert.NotNull(StrictFields.ModelFor(deployment));
    }
}
