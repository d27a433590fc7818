namespace NvmlExporter.Tests.Support;

/// <summary>
/// A fact about a host with no NVIDIA driver: on a host that has one (libnvidia-ml.so.1 in the system library
/// folders) it is skipped, with that reason, instead of passing without having run.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FactWithoutNvmlDriverAttribute : FactAttribute
{
    private static readonly string[] DriverPaths = ["/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1", "/usr/lib64/libnvidia-ml.so.1", "/usr/lib/aarch64-linux-gnu/libnvidia-ml.so.1"];

    public FactWithoutNvmlDriverAttribute()
    {
        if (DriverPaths.FirstOrDefault(File.Exists) is { } driver)
        {
            Skip = $"this host has an NVIDIA driver ({driver}); the test needs a host without one";
        }
    }
}
