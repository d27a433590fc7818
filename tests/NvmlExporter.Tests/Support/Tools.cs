using System.Diagnostics;

namespace NvmlExporter.Tests.Support;

/// <summary>Tools the tests drive as real consumers; the README's test command installs them.</summary>
public static class Tools
{
    public static string Require(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException($"'{name}' is not installed. The README's test command (./test.sh) installs it with apt-get.");
    }

    /// <summary>Runs <c>promtool check metrics</c> on <paramref name="exposition"/>; returns its exit code and findings.</summary>
    public static async Task<(int ExitCode, string Output)> PromtoolCheckMetricsAsync(string exposition)
    {
        var info = new ProcessStartInfo(Require("promtool"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("check");
        info.ArgumentList.Add("metrics");
        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync(exposition).ConfigureAwait(false);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        return (process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
    }
}
