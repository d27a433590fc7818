namespace NvmlExporter.Tests.Attribution;

/// <summary>A fresh directory for a kubelet socket, like the host's /var/lib/kubelet/pod-resources; removed on dispose.</summary>
internal sealed class TempSocketDirectory : IDisposable
{
    // Unix socket paths are limited to 108 bytes, so stay short and out of the build output tree.
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("podres-").FullName;

    public string SocketPath => Path.Combine(Directory, "kubelet.sock");

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind does not affect other tests.
        }
    }
}
