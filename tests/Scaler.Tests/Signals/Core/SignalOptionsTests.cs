using Scaler.Signals;

namespace Scaler.Tests.Signals.Core;

public class SignalOptionsTests
{
    [Theory]
    // The defaults are valid.
    [InlineData(5, 15, 60, 1, 3, true)]
    // Stale before the next refresh could land: invalid.
    [InlineData(5, 4, 60, 1, 3, false)]
    // Unavailable no later than stale: invalid.
    [InlineData(5, 15, 15, 1, 3, false)]
    // An attempt longer than the whole read: invalid.
    [InlineData(5, 15, 60, 4, 3, false)]
    // A refresh interval below 50 ms: out of range.
    [InlineData(0.01, 15, 60, 1, 3, false)]
    public void Validate_Table_AcceptsOnlyConsistentOptions(double refresh, double stale, double unavailable, double attempt, double total, bool valid)
    {
        var options = new SignalSourceOptions
        {
            RefreshInterval = TimeSpan.FromSeconds(refresh),
            StaleAfter = TimeSpan.FromSeconds(stale),
            UnavailableAfter = TimeSpan.FromSeconds(unavailable),
            AttemptTimeout = TimeSpan.FromSeconds(attempt),
            TotalTimeout = TimeSpan.FromSeconds(total),
        };

        var result = new SignalSourceOptionsValidator().Validate("prometheus", options);

        Assert.Equal(valid, result.Succeeded);
    }

    [Theory]
    // User info in a URL.
    [InlineData("connect to amqp://guest:s3cret@rabbit:5672/ failed", "amqp://***@rabbit:5672/")]
    // An Authorization header echoed back.
    [InlineData("request had Authorization: Bearer abc.def-ghi", "Authorization: ***")]
    // A bare bearer token.
    [InlineData("token Bearer abc.def-ghi rejected", "Bearer ***")]
    // Nothing secret: unchanged.
    [InlineData("Connection refused (10.0.0.1:9090)", "Connection refused (10.0.0.1:9090)")]
    public void Scrub_Table_RemovesCredentials(string text, string expected)
    {
        var scrubbed = SecretScrubber.Scrub(text);

        Assert.Contains(expected, scrubbed, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", scrubbed, StringComparison.Ordinal);
        Assert.DoesNotContain("abc.def", scrubbed, StringComparison.Ordinal);
    }
}
