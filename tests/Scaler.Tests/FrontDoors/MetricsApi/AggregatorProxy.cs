using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Scaler.Tests.Hosting;

namespace Scaler.Tests.FrontDoors.MetricsApi;

/// <summary>
/// What kube-apiserver's aggregator does for an APIService, for kubectl to go through: it takes a request
/// (plain HTTP on loopback, its caller already "authenticated" as <see cref="User"/>), forwards it to the
/// Scaler's HTTPS port presenting its front-proxy client certificate (or another, or none), and passes the
/// user on in <c>X-Remote-User</c>, <c>X-Remote-Group</c> and <c>X-Remote-Extra-*</c>.
/// </summary>
internal sealed class AggregatorProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _client;

    private AggregatorProxy(WebApplication app, HttpClient client)
    {
        _app = app;
        _client = client;
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>The user the proxy says the request comes from.</summary>
    public string User { get; set; } = "system:serviceaccount:kube-system:horizontal-pod-autoscaler";

    public string[] Groups { get; set; } = ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"];

    public static async Task<AggregatorProxy> StartAsync(Uri scaler, X509Certificate2 scalerCa, X509Certificate2? clientCertificate)
    {
        var client = new HttpClient(TestPki.Handler(scalerCa, clientCertificate)) { BaseAddress = scaler };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var proxy = new AggregatorProxy(app, client);
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        proxy.Url = new Uri(app.Urls.First());
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }

    private async Task ForwardAsync(HttpContext context)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, context.Request.Path + context.Request.QueryString);
        request.Headers.Add("X-Remote-User", User);
        foreach (var group in Groups)
        {
            request.Headers.Add("X-Remote-Group", group);
        }

        request.Headers.Add("X-Remote-Extra-Authentication.kubernetes.io%2fcredential-id", "JTI=0000-test");
        request.Headers.Accept.ParseAdd(context.Request.Headers.Accept.ToString() is { Length: > 0 } accept ? accept : "application/json");
        using var response = await _client.SendAsync(request, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
