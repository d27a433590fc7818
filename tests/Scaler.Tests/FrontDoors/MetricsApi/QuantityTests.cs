using Scaler.FrontDoors.MetricsApi;

namespace Scaler.Tests.FrontDoors.MetricsApi;

/// <summary>Canonical decimal-SI quantities as apimachinery writes them (reference custom-metrics-hpa.md 1.6).</summary>
public sealed class QuantityTests
{
    [Theory]
    // The reference's examples.
    [InlineData(1.5, "1500m")]
    [InlineData(0.73, "730m")]
    [InlineData(10, "10")]
    [InlineData(2000, "2k")]
    [InlineData(1500, "1500")]
    [InlineData(0.0005, "500u")]
    [InlineData(0, "0")]
    // A suffix only when the mantissa stays whole.
    [InlineData(1_000_000, "1M")]
    [InlineData(1_500_000, "1500k")]
    // GPU memory in bytes (80 GiB): no decimal suffix divides it.
    [InlineData(85_899_345_920, "85899345920")]
    // Negative values carry a sign.
    [InlineData(-2.5, "-2500m")]
    // Finer than nano rounds away from zero.
    [InlineData(0.0000000001, "1n")]
    // A percent with a fraction, as DCGM's utilization averaged over two GPUs.
    [InlineData(66.5, "66500m")]
    public void Format_Value_CanonicalText(double value, string expected) => Assert.Equal(expected, Quantity.Format(value));

    [Theory]
    // Unknown has no quantity: it must never be written as 0.
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Format_NotFinite_Throws(double value) => Assert.Throws<ArgumentOutOfRangeException>(() => Quantity.Format(value));
}
