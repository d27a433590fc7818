namespace Reliability.Bench;

/// <summary>Where the built Scaler is: next to this bench's output (the project reference copies it).</summary>
internal static class ScalerBinary
{
    public static string Find()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "scaler.dll");
        return File.Exists(beside) ? beside : throw new FileNotFoundException("scaler.dll is not next to the bench; pass --scaler path/to/scaler.dll");
    }
}
