using k8s.Models;
using Scaler.Signals.Kubernetes;
using Xunit;

namespace Scaler.Tests.Signals.Kubernetes;

public class LabelSelectorTests
{
    private static readonly Dictionary<string, string> VllmPod = new()
    {
        ["app"] = "vllm",
        ["tier"] = "online",
        ["app.kubernetes.io/part-of"] = "llm",
        ["gpu"] = "",
    };

    [Theory]
    // Equality, both spellings.
    [InlineData("app=vllm", true)]
    [InlineData("app==vllm", true)]
    [InlineData("app=triton", false)]
    // Inequality holds when the label differs or is absent.
    [InlineData("tier!=batch", true)]
    [InlineData("tier!=online", false)]
    [InlineData("missing!=x", true)]
    // Set-based.
    [InlineData("tier in (online,offline)", true)]
    [InlineData("tier in (batch)", false)]
    [InlineData("tier notin (batch, offline)", true)]
    [InlineData("tier notin (online)", false)]
    [InlineData("missing notin (x)", true)]
    // Existence, including a label whose value is empty.
    [InlineData("gpu", true)]
    [InlineData("!canary", true)]
    [InlineData("!gpu", false)]
    [InlineData("canary", false)]
    // A prefixed key and an empty value.
    [InlineData("app.kubernetes.io/part-of=llm", true)]
    [InlineData("gpu=", true)]
    // Comma is AND; spaces around tokens are allowed.
    [InlineData("app=vllm,tier!=batch,tier in (online,x),!canary,gpu", true)]
    [InlineData(" app = vllm , canary ", false)]
    // The empty selector matches everything.
    [InlineData("", true)]
    public void TryParse_ValidSelector_MatchesAsKubernetesDoes(string text, bool matches)
    {
        Assert.True(LabelSelector.TryParse(text, "podSelector", out var selector, out var error), error);
        Assert.Equal(matches, selector.Matches(VllmPod));
    }

    [Theory]
    // A dangling comma.
    [InlineData("app=vllm,", "expected a label key at position 10 (end of text)")]
    // Two requirements without a comma.
    [InlineData("app=vllm tier=online", "expected ',' between requirements")]
    // An operator Kubernetes does not have.
    [InlineData("app~vllm", "the label key 'app~vllm' is invalid")]
    // A set without parentheses, or unclosed.
    [InlineData("tier in online", "expected '(' after 'tier in'")]
    [InlineData("tier in (a,b", "expected ',' or ')'")]
    // An unknown set operator.
    [InlineData("tier within (a)", "expected '=', '==', '!=', 'in' or 'notin'")]
    // Numeric comparisons are not supported for pods.
    [InlineData("replicas>1", "numeric operator '>'")]
    // Invalid key and value characters, and a value over 63 characters.
    [InlineData("-app=vllm", "the label key '-app' is invalid")]
    [InlineData("app=vllm*", "the label value 'vllm*' is invalid")]
    [InlineData("app=-vllm", "the label value '-vllm' is invalid")]
    [InlineData("app=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "is invalid (at most 63 characters")]
    [InlineData("Bad_Prefix/app=vllm", "invalid prefix")]
    // A lone '!' or '=' with no key.
    [InlineData("!", "expected a label key at position 2 (end of text)")]
    [InlineData("=vllm", "expected a label key at position 1")]
    public void TryParse_InvalidSelector_ErrorNamesSettingProblemAndExpectedForm(string text, string problem)
    {
        Assert.False(LabelSelector.TryParse(text, "podSelector", out _, out var error));
        Assert.StartsWith($"podSelector '{text}' is not a valid label selector: ", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
        Assert.EndsWith(LabelSelector.ExpectedForm, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_InvalidSelectorOf40000Characters_ErrorQuotesItShort()
    {
        var text = "app=" + new string('v', 40_000) + "*";

        Assert.False(LabelSelector.TryParse(text, "labelSelector", out _, out var error));

        Assert.StartsWith("labelSelector 'app=vvv", error, StringComparison.Ordinal);
        Assert.Contains("(40005 characters)", error, StringComparison.Ordinal);
        Assert.EndsWith(LabelSelector.ExpectedForm, error, StringComparison.Ordinal);
        Assert.InRange(error.Length, 1, 1_000);
    }

    [Fact]
    public void Parse_Invalid_ThrowsFormatExceptionNamingTheSetting()
    {
        var e = Assert.Throws<FormatException>(() => LabelSelector.Parse("a b", "ExporterSelector"));
        Assert.StartsWith("ExporterSelector 'a b'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_ParsedSelector_RoundTripsCanonically()
    {
        var selector = LabelSelector.Parse("app==vllm, tier in (a,b),x!=y,!canary,gpu,e notin (z)");
        Assert.Equal("app=vllm,tier in (a,b),x!=y,!canary,gpu,e!=z", selector.ToString());
        Assert.Equal(selector.ToString(), LabelSelector.Parse(selector.ToString()).ToString());
    }

    [Fact]
    public void TryFromSpec_MatchLabelsAndExpressions_AllMustHold()
    {
        var spec = new V1LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["app"] = "vllm" },
            MatchExpressions =
            [
                new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "In", Values = ["online", "offline"] },
                new V1LabelSelectorRequirement { Key = "track", OperatorProperty = "NotIn", Values = ["canary"] },
                new V1LabelSelectorRequirement { Key = "gpu", OperatorProperty = "Exists" },
                new V1LabelSelectorRequirement { Key = "legacy", OperatorProperty = "DoesNotExist" },
            ],
        };

        Assert.True(LabelSelector.TryFromSpec(spec, out var selector, out _));
        Assert.True(selector.Matches(VllmPod));
        Assert.False(selector.Matches(new Dictionary<string, string>(VllmPod) { ["track"] = "canary" }));
        Assert.False(selector.Matches(new Dictionary<string, string>(VllmPod) { ["legacy"] = "1" }));
        Assert.False(selector.Matches(new Dictionary<string, string> { ["app"] = "vllm", ["tier"] = "online" }));
    }

    [Theory]
    // Kubernetes: a null selector selects nothing; we report it rather than answer "no pods".
    [InlineData(null, "spec.selector is missing")]
    // An operator that does not exist for label selectors.
    [InlineData("Gt", "unsupported operator 'Gt'")]
    public void TryFromSpec_Unusable_ReturnsError(string? op, string problem)
    {
        var spec = op is null ? null : new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "replicas", OperatorProperty = op, Values = ["1"] }] };
        Assert.False(LabelSelector.TryFromSpec(spec, out _, out var error));
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }
}
