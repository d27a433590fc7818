using System.Runtime.InteropServices;

namespace NvmlExporter.Tests.FakeNvml;

/// <summary>
/// The fake library's test hooks, for tests that run the exporter's NVML code in this process. The
/// process loads one NVML library for good, so every in-process NVML test runs in the
/// <see cref="InProcessNvml"/> and points the fake at its own state file.
/// </summary>
internal static unsafe class FakeNvmlControl
{
    private static readonly nint Library = NativeLibrary.Load(FakeGpuFleet.LibraryPath);

    public static void UseStateFile(string path)
    {
        var set = (delegate* unmanaged<byte*, void>)NativeLibrary.GetExport(Library, "fakeNvmlSetStateFile");
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            set(p);
        }
    }

    /// <summary>NVML calls the library has answered, all functions together.</summary>
    public static ulong CallCount => ((delegate* unmanaged<ulong>)NativeLibrary.GetExport(Library, "fakeNvmlCallCount"))();
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class InProcessNvml
{
    public const string Name = "In-process NVML";
}
