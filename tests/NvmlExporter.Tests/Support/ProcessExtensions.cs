using System.Diagnostics;

namespace NvmlExporter.Tests.Support;

internal static class ProcessExtensions
{
    /// <summary>Kills the process and its children if still running, waits for it, and disposes it.</summary>
    public static async ValueTask KillAndDisposeAsync(this Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }
}
