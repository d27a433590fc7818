using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Scaler.Tests.Hosting;

namespace Scaler.Tests.FrontDoors.MetricsApi;

/// <summary>
/// kubectl (the machine's) as a real client: <c>kubectl get --raw PATH</c> with a kubeconfig written for the
/// test (server, CA, and a client certificate or a bearer token), its cache in a folder of the test's own.
/// </summary>
internal sealed class Kubectl
{
    private readonly string _kubeconfig;
    private readonly string _home;

    private Kubectl(string kubeconfig, string home)
    {
        _kubeconfig = kubeconfig;
        _home = home;
    }

    /// <summary>Whether kubectl is on the PATH (./test.sh puts it there).</summary>
    public static bool Installed => Environment.GetEnvironmentVariable("PATH")!.Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "kubectl")));

    /// <summary>A kubeconfig for <paramref name="server"/>, trusting <paramref name="ca"/> (http servers need none) and presenting <paramref name="client"/> or <paramref name="token"/>.</summary>
    public static Kubectl For(TestPki pki, string name, Uri server, X509Certificate2? ca = null, X509Certificate2? client = null, string? token = null)
    {
        if (!Installed)
        {
            throw new InvalidOperationException("kubectl is not on the PATH: ./test.sh installs Debian's kubernetes-client");
        }

        static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
        var cluster = new StringBuilder($"    server: {server.ToString().TrimEnd('/')}\n");
        if (ca is not null)
        {
            cluster.Append($"    certificate-authority-data: {B64(TestPki.CertificatePem(ca))}\n");
        }

        var user = new StringBuilder();
        if (client is not null)
        {
            user.Append($"    client-certificate-data: {B64(TestPki.CertificatePem(client))}\n    client-key-data: {B64(TestPki.KeyPem(client))}\n");
        }

        if (token is not null)
        {
            user.Append($"    token: {token}\n");
        }

        var config = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
            {cluster}
            users:
            - name: test
              user:
            {(user.Length == 0 ? "    {}\n" : user.ToString())}
            contexts:
            - name: test
              context:
                cluster: test
                user: test
            current-context: test
            """;
        return new Kubectl(pki.Write($"kubectl/{name}/config", config), Path.Combine(pki.Directory, "kubectl", name));
    }

    /// <summary><c>kubectl get --raw <paramref name="path"/></c>: exit code, stdout and stderr.</summary>
    public async Task<(int ExitCode, string Output, string Error)> GetRawAsync(string path)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--kubeconfig", _kubeconfig, "--request-timeout=20s", "get", "--raw", path })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = _home;
        start.Environment["KUBECACHEDIR"] = Path.Combine(_home, "cache");
        start.Environment.Remove("KUBECONFIG");
        start.Environment["NO_PROXY"] = "127.0.0.1,localhost";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
