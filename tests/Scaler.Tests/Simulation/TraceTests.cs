using Scaler.Simulation;

namespace Scaler.Tests.Simulation;

public class AzureTraceReaderTests
{
    [Fact]
    public void Read_AzureCsv_ArrivalsInSecondsFromFirstRequest()
    {
        var csv = """
            TIMESTAMP,ContextTokens,GeneratedTokens
            2023-11-16 18:17:03.9799600,4808,10
            2023-11-16 18:17:04.0319600,3180,8
            2023-11-16 18:17:05.9799600,110,27
            """;

        var trace = AzureTraceReader.Read(new StringReader(csv), "sample.csv");

        Assert.Equal(3, trace.Requests.Length);
        Assert.Equal(new TraceRequest(0, 4808, 10), trace.Requests[0]);
        Assert.Equal(0.052, trace.Requests[1].ArrivalSeconds, 6);
        Assert.Equal(2.0, trace.DurationSeconds, 6);
    }

    [Fact]
    public void Read_Unsorted_SortsByArrival()
    {
        var csv = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:10,1,1\n2023-11-16 18:00:00,2,2\n";

        var trace = AzureTraceReader.Read(new StringReader(csv), "x.csv");

        Assert.Equal([0.0, 10.0], trace.Requests.Select(r => r.ArrivalSeconds));
    }

    [Theory]
    // wrong header
    [InlineData("time,a,b\n", "x.csv: line 1: expected the header 'TIMESTAMP,ContextTokens,GeneratedTokens'")]
    // missing field
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:00,1\n", "x.csv: line 2: expected 3 fields, got 2")]
    // bad timestamp
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\nyesterday,1,1\n", "x.csv: line 2: TIMESTAMP 'yesterday' is not like")]
    // negative tokens
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:00,-1,1\n", "x.csv: line 2: ContextTokens and GeneratedTokens must be whole numbers")]
    // header only
    [InlineData("TIMESTAMP,ContextTokens,GeneratedTokens\n", "x.csv: no requests after the header")]
    public void Read_BadInput_NamesTheLine(string csv, string expected)
    {
        var error = Assert.Throws<TraceFormatException>(() => AzureTraceReader.Read(new StringReader(csv), "x.csv"));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }
}

public class TraceGeneratorTests
{
    [Theory]
    [InlineData("Steady")]
    [InlineData("Bursty")]
    [InlineData("Diurnal")]
    public void Generate_SameSeed_SameTrace(string shape)
    {
        var parsed = Enum.Parse<TraceShape>(shape);

        var a = TraceGenerator.Generate(parsed, 7, TimeSpan.FromMinutes(20));
        var b = TraceGenerator.Generate(parsed, 7, TimeSpan.FromMinutes(20));
        var c = TraceGenerator.Generate(parsed, 8, TimeSpan.FromMinutes(20));

        // ImmutableArray equality is by reference; compare the elements.
        Assert.True(a.Requests.SequenceEqual(b.Requests));
        Assert.False(a.Requests.SequenceEqual(c.Requests));
        Assert.True(a.Requests.Select(r => r.ArrivalSeconds).SequenceEqual(a.Requests.Select(r => r.ArrivalSeconds).Order()));
    }

    [Fact]
    public void Generate_Bursty_HasIdleMinutesAndSecondPeaksFarAboveTheMean()
    {
        var trace = TraceGenerator.Generate(TraceShape.Bursty, 42, TimeSpan.FromHours(1));
        var perSecond = trace.Requests.GroupBy(r => (int)r.ArrivalSeconds).Select(g => g.Count()).ToList();
        var perMinute = Enumerable.Range(0, 60).Select(m => trace.Requests.Count(r => (int)(r.ArrivalSeconds / 60) == m)).ToList();
        var mean = trace.Requests.Length / 3600.0;

        // The shape of the Azure code trace (reference/performance.md 2.5): mean ~2.6/s, idle minutes, 1 s peaks >> mean.
        Assert.InRange(mean, 1.5, 4.5);
        Assert.Contains(0, perMinute);
        Assert.True(perSecond.Max() > 8 * mean, $"peak {perSecond.Max()} vs mean {mean:0.0}");
    }

    [Fact]
    public void Generate_Steady_IsNearItsRate()
    {
        var trace = TraceGenerator.Generate(TraceShape.Steady, 1, TimeSpan.FromMinutes(30));

        Assert.InRange(trace.Requests.Length / 1800.0, 3.8, 4.2);
    }

    [Fact]
    public void Generate_Diurnal_PeaksMidway()
    {
        var trace = TraceGenerator.Generate(TraceShape.Diurnal, 1, TimeSpan.FromHours(1));
        var firstTenMinutes = trace.Requests.Count(r => r.ArrivalSeconds < 600);
        var middleTenMinutes = trace.Requests.Count(r => r.ArrivalSeconds >= 1500 && r.ArrivalSeconds < 2100);

        Assert.True(middleTenMinutes > 3 * firstTenMinutes, $"{firstTenMinutes} vs {middleTenMinutes}");
    }
}
