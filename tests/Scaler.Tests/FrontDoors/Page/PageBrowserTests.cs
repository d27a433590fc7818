using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Scaler.Tests.Demo;
using Xunit.Abstractions;

namespace Scaler.Tests.FrontDoors.Page;

/// <summary>
/// The page in a real browser: Debian's chromium, headless, driven by playwright-core from npm (pinned by
/// browser/package-lock.json, installed with npm ci; never a downloaded browser) through the running demo:
/// the list and its charts, search as one types, a workload's charts, a decision's explanation and its signals'
/// states, the in-place refresh, and no console error (the CSP would report a blocked inline script there).
/// Screenshots go to <c>screenshots/</c> in the test output.
/// </summary>
[Collection(DemoGroup.Name)]
public sealed class PageBrowserTests(DemoFixture fixture, ITestOutputHelper output)
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    [Fact]
    public async Task Page_InChromium_ChartsWorkloadExplanationSignalStatesAndRefreshInPlace()
    {
        var chromium = Chromium();
        var directory = BrowserDirectory();
        await EnsureInstalledAsync(directory);
        var screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        using var http = new HttpClient();
        await Testing.Eventually.ReturnsAsync(() => http.GetStringAsync(new Uri(fixture.Demo.PageUrl, "/decisions")), json => json.Contains("\"llama\"", StringComparison.Ordinal), timeout: TimeSpan.FromSeconds(30));

        var (code, stdout, stderr) = await RunAsync(directory, "node", "check-page.mjs", "--url", fixture.Demo.PageUrl.ToString(), "--out", screenshots, "--chromium", chromium);
        output.WriteLine(stdout);
        output.WriteLine(stderr);

        Assert.Equal(0, code);
        using var seen = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        var root = seen.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean(), root.ToString());
        Assert.Equal("Scaler: workloads", root.GetProperty("title").GetString());
        Assert.Equal(1, root.GetProperty("rows").GetInt32());
        Assert.Contains("q=no-such-workload", root.GetProperty("searchUrl").GetString(), StringComparison.Ordinal);
        Assert.Equal("llm/llama", root.GetProperty("workloadTitle").GetString());
        // The counts, and one chart per signal (capacity sizing and GPU utilization).
        Assert.Equal(3, root.GetProperty("charts").GetInt32());
        Assert.StartsWith("desired ", root.GetProperty("explanation").GetString(), StringComparison.Ordinal);
        Assert.Contains(root.GetProperty("signals").EnumerateArray(), s => s.GetString()!.StartsWith("capacity", StringComparison.Ordinal));
        Assert.All(root.GetProperty("signalStates").EnumerateArray(), s => Assert.Contains(s.GetString(), new[] { "fresh", "stale", "unknown" }));
        Assert.True(root.GetProperty("refreshedInPlace").GetBoolean());
        Assert.Empty(root.GetProperty("consoleErrors").EnumerateArray());
        foreach (var name in new[] { "list.png", "workload.png" })
        {
            Assert.True(new FileInfo(Path.Combine(screenshots, name)).Length > 10_000, $"{name} is missing or blank");
        }
    }

    private static string Chromium()
    {
        foreach (var candidate in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("Debian's chromium is not installed: the browser test drives it (./test.sh installs it: apt-get install chromium).");
    }

    private static string BrowserDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Scaler.sln")))
            {
                return Path.Combine(directory.FullName, "tests", "Scaler.Tests", "FrontDoors", "Page", "browser");
            }
        }

        throw new InvalidOperationException($"Scaler.sln not found above {AppContext.BaseDirectory}: the browser check is found from the source tree.");
    }

    // npm ci from the lockfile, once, unless the pinned version is already there.
    private static async Task EnsureInstalledAsync(string directory)
    {
        await InstallLock.WaitAsync();
        try
        {
            if (Installed(directory))
            {
                return;
            }

            var (code, stdout, stderr) = await RunAsync(directory, "npm", "ci", "--no-audit", "--no-fund");
            if (code != 0 || !Installed(directory))
            {
                throw new InvalidOperationException($"npm ci in {directory} failed ({code}):\n{stdout}{stderr}");
            }
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static bool Installed(string directory)
    {
        var installed = Path.Combine(directory, "node_modules", "playwright-core", "package.json");
        if (!File.Exists(installed))
        {
            return false;
        }

        using var lockFile = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "package-lock.json")));
        using var package = JsonDocument.Parse(File.ReadAllText(installed));
        return package.RootElement.GetProperty("version").GetString()
            == lockFile.RootElement.GetProperty("packages").GetProperty("node_modules/playwright-core").GetProperty("version").GetString();
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string directory, string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Loopback only, and playwright must never fetch a browser of its own.
        foreach (var proxy in new[] { "https_proxy", "http_proxy", "HTTPS_PROXY", "HTTP_PROXY" })
        {
            start.Environment.Remove(proxy);
        }

        start.Environment["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1";
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"'{file}' is not on PATH: the browser test needs Node.js with npm (./test.sh installs them). {e.Message}", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }

            return (process.ExitCode, await stdout, await stderr);
        }
    }
}
