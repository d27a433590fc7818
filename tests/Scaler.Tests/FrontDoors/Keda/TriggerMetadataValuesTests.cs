using Scaler.FrontDoors.Keda;
using Scaler.Tests.Triggers;
using Scaler.Triggers;
using Xunit;

namespace Scaler.Tests.FrontDoors.Keda;

public class TriggerMetadataValuesTests
{
    [Theory]
    // Pods per period.
    [InlineData("2/60s", "2 pods per 60s", "Max")]
    // Percent per period.
    [InlineData("100%/15s", "100% per 15s", "Max")]
    // Several: the HPA's defaulted scale-up.
    [InlineData("4/15s, 100%/15s", "4 pods per 15s|100% per 15s", "Max")]
    // A combined duration as period.
    [InlineData("1/1m30s", "1 pods per 90s", "Max")]
    // The longest period the HPA accepts.
    [InlineData("1/30m", "1 pods per 1800s", "Max")]
    // No limit.
    [InlineData("none", "", "Max")]
    // No change in this direction.
    [InlineData("disabled", "", "Disabled")]
    public void RateLimits_ValidText_Parses(string text, string expected, string select)
    {
        Assert.True(RateLimitText.TryParse(text, out var limits, out var problem));
        Assert.Null(problem);
        Assert.Equal(expected, string.Join('|', limits.Limits));
        Assert.Equal(select, limits.Select.ToString());
    }

    [Theory]
    // Words.
    [InlineData("2 per minute", false)]
    // A bare number for the period.
    [InlineData("2/60", false)]
    // No pods.
    [InlineData("/60s", false)]
    // Percent with no number.
    [InlineData("%/60s", false)]
    // Negative pods.
    [InlineData("-2/60s", false)]
    // Zero pods: 'disabled' says that.
    [InlineData("0/60s", true)]
    // Zero period.
    [InlineData("2/0s", true)]
    // Longer than the HPA's 30 minutes.
    [InlineData("2/45m", true)]
    // One good, one bad.
    [InlineData("2/60s,x", false)]
    // A trailing comma.
    [InlineData("2/60s,", false)]
    public void RateLimits_InvalidText_IsRefused(string text, bool hasProblem)
    {
        Assert.False(RateLimitText.TryParse(text, out _, out var problem));
        Assert.Equal(hasProblem, problem is not null);
    }
}
