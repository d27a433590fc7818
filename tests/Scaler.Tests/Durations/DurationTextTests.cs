using Scaler.Durations;
using Xunit;

namespace Scaler.Tests.Durations;

/// <summary>The product's one duration form: trigger metadata, settings and <c>simulate</c> all read it.</summary>
public class DurationTextTests
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
    // A decimal fraction.
    [InlineData("1.5m", 90_000)]
    // A fraction of an hour, then minutes.
    [InlineData("1.5h15m", 6_300_000)]
    // Half a second.
    [InlineData("0.5s", 500)]
    public void Duration_ValidText_Parses(string text, long milliseconds)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
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
    // A decimal comma.
    [InlineData("1,5h")]
    // A fraction with no leading digit.
    [InlineData(".5m")]
    // A point with no fraction.
    [InlineData("1.m")]
    // Two points.
    [InlineData("1.2.3s")]
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
    // Thirteen digits in one part.
    [InlineData("1234567890123ms")]
    // Over 365 days.
    [InlineData("8761h")]
    // Trailing garbage.
    [InlineData("15m!")]
    public void Duration_InvalidText_IsRefused(string text)
    {
        Assert.False(DurationText.TryParse(text, out _));
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

        Assert.Equal(text, DurationText.Format(duration));
        Assert.True(DurationText.TryParse(text, out var back));
        Assert.Equal(duration, back);
    }
}
