using Scaler.FrontDoors.Keda;
using Xunit;

namespace Scaler.Tests.FrontDoors.Keda;

public class TriggerMetadataValuesTests
{
    [Theory]
    // Seconds.
    [InlineData("90s", 90_000)]
    // Minutes.
    [InlineData("15m", 900_000)]
    // Hours.
    [InlineData("1h", 3_600_000)]
    // Milliseconds.
    [InlineData("500ms", 500)]
    // A combination, largest unit first.
    [InlineData("1m30s", 90_000)]
    // Every unit once.
    [InlineData("1h2m3s4ms", 3_723_004)]
    // A bare zero.
    [InlineData("0", 0)]
    // Zero with a unit.
    [InlineData("0s", 0)]
    // The longest accepted: 365 days.
    [InlineData("8760h", 31_536_000_000)]
    public void Duration_ValidText_Parses(string text, long milliseconds)
    {
        Assert.True(MetadataDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    // Empty.
    [InlineData("")]
    // A bare number other than 0 is ambiguous (seconds? nanoseconds?).
    [InlineData("60")]
    // Words.
    [InlineData("15 minutes")]
    // A space between number and unit.
    [InlineData("15 m")]
    // Negative.
    [InlineData("-5m")]
    // Fractions are not supported.
    [InlineData("1.5h")]
    // A unit twice.
    [InlineData("1h1h")]
    // Units out of order.
    [InlineData("30s1m")]
    // Unknown unit (days).
    [InlineData("1d")]
    // Upper-case unit.
    [InlineData("15M")]
    // A unit with no number.
    [InlineData("m")]
    // Ten digits in one part.
    [InlineData("1234567890s")]
    // Over 365 days.
    [InlineData("8761h")]
    // Trailing garbage.
    [InlineData("15m!")]
    public void Duration_InvalidText_IsRefused(string text)
    {
        Assert.False(MetadataDuration.TryParse(text, out _));
    }

    [Theory]
    // Zero.
    [InlineData(0, "0s")]
    // Whole minutes.
    [InlineData(900_000, "15m")]
    // Mixed.
    [InlineData(5_430_250, "1h30m30s250ms")]
    public void DurationFormat_ReadsBack(long milliseconds, string text)
    {
        var duration = TimeSpan.FromMilliseconds(milliseconds);

        Assert.Equal(text, MetadataDuration.Format(duration));
        Assert.True(MetadataDuration.TryParse(text, out var back));
        Assert.Equal(duration, back);
    }

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
        Assert.True(MetadataRateLimits.TryParse(text, out var limits, out var problem));
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
        Assert.False(MetadataRateLimits.TryParse(text, out _, out var problem));
        Assert.Equal(hasProblem, problem is not null);
    }
}
