namespace Deploy.Tests.Monitoring;

public sealed class PromQlTests
{
    [Theory]
    // Functions, grouping and label matchers are not metric names; both sides of a binary operation are.
    [InlineData("sum by (hostname) (rate(gpu_xid_errors_total{xid=\"79\"}[5m]))", "gpu_xid_errors_total")]
    [InlineData("gpu_memory_used_bytes / on (hostname, uuid) group_left gpu_attributed_pods", "gpu_attributed_pods,gpu_memory_used_bytes")]
    [InlineData("histogram_quantile(0.99, sum by (le) (rate(scaler_signal_read_duration_seconds_bucket[5m])))", "scaler_signal_read_duration_seconds_bucket")]
    [InlineData("up{job=\"scaler\"} == 0 or absent(up{job=\"scaler\"})", "up")]
    [InlineData("x unless x offset 10m", "x")]
    // A colon is part of a name (vLLM's series).
    [InlineData("sum(vllm:num_requests_waiting) or vector(0)", "vllm:num_requests_waiting")]
    public void MetricNames_Expression_ListsTheSelectedSeries(string expression, string expected)
    {
        Assert.Equal(expected.Split(','), PromQl.MetricNames(expression).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FromGrafana_Variables_BecomeValidPromQl()
    {
        Assert.Equal("rate(x{uuid=~\".*\", ns=~\".*\"}[5m])", PromQl.FromGrafana("rate(x{uuid=~\"$gpu\", ns=~\"${namespace}\"}[$__rate_interval])"));
    }
}
