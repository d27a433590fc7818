extern alias exporter;

using System.Buffers.Binary;
using exporter::Kubelet.PodResources.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Scaler.Tests.Signals.GpuFleet;

/// <summary>
/// A kubelet's pod-resources endpoint for a real exporter process: Kestrel serving HTTP/2 on a unix
/// socket, answering the unary gRPC call <c>/v1.PodResourcesLister/List</c> with the message the test
/// gives. The gRPC framing is written by hand (a 1-byte compressed flag, a 4-byte big-endian length,
/// the protobuf message, then the <c>grpc-status</c> trailer), so this test project needs no gRPC server package.
/// </summary>
internal sealed class PodResourcesKubelet : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private PodResourcesKubelet(WebApplication app, string directory, string socketPath)
    {
        _app = app;
        _directory = directory;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    public static async Task<PodResourcesKubelet> StartAsync(ListPodResourcesResponse answer)
    {
        // Unix socket paths are limited to 108 bytes: a short temporary directory.
        var directory = Directory.CreateTempSubdirectory("podres-").FullName;
        var socketPath = Path.Combine(directory, "kubelet.sock");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(socketPath, listen => listen.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var message = answer.ToByteArray();
        app.MapPost("/v1.PodResourcesLister/List", async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.ContentType = "application/grpc";
            var frame = new byte[5 + message.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
            message.CopyTo(frame, 5);
            await context.Response.Body.WriteAsync(frame);
            context.Response.AppendTrailer("grpc-status", "0");
        });
        await app.StartAsync();
        return new PodResourcesKubelet(app, directory, socketPath);
    }

    /// <summary>One pod, one container, holding <paramref name="deviceIds"/> (<c>GPU-…</c>, <c>GPU-…::n</c>, <c>MIG-…</c>).</summary>
    public static PodResources Pod(string ns, string name, string resource, params string[] deviceIds)
    {
        var devices = new ContainerDevices { ResourceName = resource };
        devices.DeviceIds.AddRange(deviceIds);
        var container = new ContainerResources { Name = "server" };
        container.Devices.Add(devices);
        var pod = new PodResources { Namespace = ns, Name = name };
        pod.Containers.Add(container);
        return pod;
    }

    public static ListPodResourcesResponse List(params PodResources[] pods)
    {
        var response = new ListPodResourcesResponse();
        response.PodResources.AddRange(pods);
        return response;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary directory left behind does not affect other tests.
        }
    }
}
