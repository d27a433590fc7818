using k8s;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Scaler.Signals;
using Scaler.Signals.Kubernetes;

namespace Scaler.FrontDoors.MetricsApi;

/// <summary>
/// Keeps <see cref="RequestHeaderSettings"/> current: read at start and every
/// <see cref="MetricsApiOptions.AuthenticationRefresh"/> from <see cref="MetricsApiOptions.RequestHeaderClientCaPath"/>
/// when set, else from the <c>extension-apiserver-authentication</c> ConfigMap, so a rotated front-proxy CA is
/// trusted within one refresh. A read that fails keeps what was read before (said once per failure streak).
/// </summary>
internal sealed partial class RequestHeaderSource(KubernetesCluster cluster, IOptions<MetricsApiOptions> options, TimeProvider time, ILogger<RequestHeaderSource> logger) : BackgroundService
{
    private volatile RequestHeaderSettings _current = RequestHeaderSettings.None("not read yet");
    private string? _lastFailure;

    /// <summary>The settings now.</summary>
    public RequestHeaderSettings Current => _current;

    /// <summary>Raised after each read (tests wait on it).</summary>
    internal event Action? Refreshed;

    /// <summary>Reads the settings once now.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        try
        {
            _current = settings.RequestHeaderClientCaPath is { Length: > 0 } path
                ? FromFile(path, settings)
                : await FromConfigMapAsync(settings, cancellationToken).ConfigureAwait(false);
            if (_lastFailure is not null)
            {
                LogRecovered(logger, _current.Source);
            }

            _lastFailure = null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var why = e is k8s.Autorest.HttpOperationException http ? $"the Kubernetes API answered {(int)http.Response.StatusCode}" : SecretScrubber.Scrub(e.Message);
            if (_lastFailure != why)
            {
                LogReadFailed(logger, why, _current.Source);
            }

            _lastFailure = why;
        }

        Refreshed?.Invoke();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.AuthenticationRefresh, time);
        do
        {
            await RefreshAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private static RequestHeaderSettings FromFile(string path, MetricsApiOptions options)
    {
        var cas = new X509Certificate2Collection();
        cas.ImportFromPem(File.ReadAllText(path));
        if (cas.Count == 0)
        {
            throw new InvalidDataException($"{MetricsApiOptions.Section}:{nameof(MetricsApiOptions.RequestHeaderClientCaPath)}: '{path}' holds no CERTIFICATE block; expected the front proxy's CA in PEM");
        }

        return new RequestHeaderSettings(cas, [.. options.RequestHeaderAllowedNames], ["X-Remote-User"], ["X-Remote-Group"], ["X-Remote-Extra-"], [], $"file {path}");
    }

    private async Task<RequestHeaderSettings> FromConfigMapAsync(MetricsApiOptions options, CancellationToken cancellationToken)
    {
        var where = $"ConfigMap {options.AuthenticationConfigMapNamespace}/{options.AuthenticationConfigMapName}";
        if (cluster.Client is not { } client)
        {
            return RequestHeaderSettings.None($"no cluster ({cluster.UnavailableReason}) and no {MetricsApiOptions.Section}:{nameof(MetricsApiOptions.RequestHeaderClientCaPath)}");
        }

        var configMap = await client.CoreV1.ReadNamespacedConfigMapAsync(options.AuthenticationConfigMapName, options.AuthenticationConfigMapNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        var data = configMap.Data ?? new Dictionary<string, string>();
        var cas = new X509Certificate2Collection();
        if (data.TryGetValue("requestheader-client-ca-file", out var pem))
        {
            cas.ImportFromPem(pem);
        }

        var users = new X509Certificate2Collection();
        if (data.TryGetValue("client-ca-file", out var userPem))
        {
            users.ImportFromPem(userPem);
        }

        return new RequestHeaderSettings(
            cas,
            JsonList(data, "requestheader-allowed-names", []),
            JsonList(data, "requestheader-username-headers", ["X-Remote-User"]),
            JsonList(data, "requestheader-group-headers", ["X-Remote-Group"]),
            JsonList(data, "requestheader-extra-headers-prefix", ["X-Remote-Extra-"]),
            users,
            where);
    }

    // The ConfigMap holds these as JSON arrays of strings ('["X-Remote-User"]').
    private static string[] JsonList(IDictionary<string, string> data, string key, string[] fallback)
    {
        if (!data.TryGetValue(key, out var text) || string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        try
        {
            return JsonSerializer.Deserialize(text, MetricsApiJsonContext.Default.StringArray) ?? fallback;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{key}: expected a JSON array of strings such as [\"X-Remote-User\"] ({e.Message})", e);
        }
    }

    [LoggerMessage(EventId = 760, Level = LogLevel.Warning, Message = "Reading how to recognise the aggregator failed ({Reason}); keeping the settings from {Source}")]
    private static partial void LogReadFailed(ILogger logger, string reason, string source);

    [LoggerMessage(EventId = 761, Level = LogLevel.Information, Message = "Reading how to recognise the aggregator works again ({Source})")]
    private static partial void LogRecovered(ILogger logger, string source);
}
