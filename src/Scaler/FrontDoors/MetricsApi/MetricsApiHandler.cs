using System.Text.Json;
using Microsoft.Extensions.Options;
using Scaler.Hosting;
using Scaler.Leadership;
using Scaler.Signals;
using Scaler.Signals.Kubernetes;

namespace Scaler.FrontDoors.MetricsApi;

/// <summary>
/// The custom metrics API on the HTTPS port, a thin adapter: parse the path (<see cref="MetricsApiRequest"/>),
/// authenticate and authorize the caller, then answer from the signals and the engine. Per-pod metrics come
/// from the sources' <see cref="PodMetric"/>s through the <see cref="ReadingCache"/> (no relist, no source named
/// here); <c>scaler_desired_replicas</c> on a workload from the leader (<see cref="LeaderDecisions"/>, which decides
/// here through <see cref="ScaleTargetDecider"/> while this replica leads), so every replica gives one answer. Unknown is never 0: a
/// pod without a value is left out, a metric with no value at all is 404, a decision that cannot be made is 503.
/// Discovery documents never fail while the process is up.
/// </summary>
internal sealed partial class MetricsApiHandler(
    PodMetrics podMetrics,
    ReadingCache readings,
    LeaderDecisions decisions,
    MetricsApiAuthenticator authenticator,
    MetricsApiAuthorizer authorizer,
    IOptions<MetricsApiOptions> options,
    TimeProvider time,
    ILogger<MetricsApiHandler> logger)
{
    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var ct = context.RequestAborted;
        var listener = ScalerListeners.Of(context);
        var external = options.Value.ExternalMetrics;
        var request = MetricsApiRequest.Parse(context.Request.Path.Value ?? "", external);
        if ((listener is not null && listener != ScalerListener.Https) || request.Kind == MetricsApiRequestKind.Unknown)
        {
            await StatusAsync(context, 404, "NotFound", "the server could not find the requested resource").ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method))
        {
            await StatusAsync(context, 405, "MethodNotAllowed", $"the server does not allow this method on the requested resource: only get").ConfigureAwait(false);
            return;
        }

        var caller = await authenticator.AuthenticateAsync(context, ct).ConfigureAwait(false);
        if (caller.User is not { } user)
        {
            LogRefused(logger, 401, caller.Failure!);
            await StatusAsync(context, 401, "Unauthorized", $"Unauthorized: {caller.Failure}").ConfigureAwait(false);
            return;
        }

        var allowed = await authorizer.AuthorizeAsync(user, Attributes(request, context.Request.Path.Value ?? ""), ct).ConfigureAwait(false);
        if (!allowed.IsAllowed)
        {
            LogRefused(logger, allowed.IsError ? 500 : 403, allowed.Reason!);
            await (allowed.IsError
                ? StatusAsync(context, 500, "InternalError", $"Internal error occurred: {allowed.Reason}")
                : StatusAsync(context, 403, "Forbidden", $"forbidden: {allowed.Reason}")).ConfigureAwait(false);
            return;
        }

        await (request.Kind switch
        {
            MetricsApiRequestKind.Groups => WriteAsync(context, 200, w => MetricsApiJson.ApiGroupList(w, Groups(external))),
            MetricsApiRequestKind.Group => WriteAsync(context, 200, w => MetricsApiJson.ApiGroup(w, request.Group!, Groups(external).First(g => g.Group == request.Group).Versions)),
            MetricsApiRequestKind.Resources => WriteAsync(context, 200, w => Discovery(w, request)),
            MetricsApiRequestKind.Pods => PodsAsync(context, request, ct),
            MetricsApiRequestKind.Object => ObjectAsync(context, request, ct),
            _ => ExternalAsync(context, request, ct),
        }).ConfigureAwait(false);
    }

    /// <summary>A pods metric: every pod the label selector selects that has a value, or one pod.</summary>
    private async Task PodsAsync(HttpContext context, MetricsApiRequest request, CancellationToken ct)
    {
        var ns = request.Namespace!;
        var metricName = request.Metric!;
        var one = request.Name == "*" ? null : request.Name;
        if (!TrySelectors(context, out var selector, out var metricLabels, out var problem))
        {
            await StatusAsync(context, 400, "BadRequest", problem!).ConfigureAwait(false);
            return;
        }

        var subject = one is not null ? $"pods {one}" : selector.Length > 0 ? $"pods with selector {selector}" : "pods";
        if (!podMetrics.TryGet(metricName, out var metric))
        {
            await StatusAsync(context, 404, "NotFound", $"the server could not find the metric {metricName} for {subject}: the metrics served per pod are {string.Join(", ", podMetrics.All.Select(m => m.Name))}").ConfigureAwait(false);
            return;
        }

        if (metricLabels?.Keys.FirstOrDefault(l => !metric.Labels.Contains(l, StringComparer.Ordinal)) is { } unknownLabel)
        {
            await StatusAsync(context, 400, "BadRequest", $"metricLabelSelector: metric label {unknownLabel} is not read by {metricName}{(metric.Labels.Count == 0 ? " (it reads none)" : $" (it reads {string.Join(", ", metric.Labels)})")}").ConfigureAwait(false);
            return;
        }

        var pods = one is null ? WorkloadRef.Selected(ns, selector) : new WorkloadRef(ns, one, selector) { PodName = one };
        if (metric.Query(pods, metricLabels ?? Empty, out var error) is not { } query)
        {
            await StatusAsync(context, 400, "BadRequest", $"metricLabelSelector: {error}").ConfigureAwait(false);
            return;
        }

        var reading = await readings.GetAsync(query, ct).ConfigureAwait(false);
        var values = reading.IsUsable ? reading.PerPod : null;
        if (values is null || values.Count == 0)
        {
            await StatusAsync(context, 404, "NotFound", $"the server could not find the metric {metricName} for {subject}: {reading.Reason ?? "no pod has a value"}").ConfigureAwait(false);
            return;
        }

        var items = new List<MetricItem>(values.Count);
        foreach (var value in values)
        {
            if (one is null || value.Pod == one)
            {
                items.Add(new MetricItem("Pod", "v1", value.Pod, value.Value * metric.Scale));
            }
        }

        if (items.Count == 0)
        {
            await StatusAsync(context, 404, "NotFound", $"the server could not find the metric {metricName} for {subject}: the pod has no value").ConfigureAwait(false);
            return;
        }

        var at = reading.ObservedAt ?? time.GetUtcNow();
        await WriteAsync(context, 200, w => MetricsApiJson.MetricValueList(w, request.Version!, metricName, metricLabels, ns, at, items)).ConfigureAwait(false);
    }

    /// <summary>The composite decision of a workload with a <c>/scale</c>, as an object metric.</summary>
    private async Task ObjectAsync(HttpContext context, MetricsApiRequest request, CancellationToken ct)
    {
        var (ns, resource, name) = (request.Namespace!, request.Resource!, request.Name!);
        if (request.Metric != MetricsApiGroups.DesiredReplicas)
        {
            await StatusAsync(context, 404, "NotFound", $"the server could not find the metric {request.Metric} for {resource} {name}: the metric served per workload is {MetricsApiGroups.DesiredReplicas}").ConfigureAwait(false);
            return;
        }

        var decision = await decisions.DecideScaleTargetAsync(new ScaleTargetRequest(ns, resource, name), ct).ConfigureAwait(false);
        if (decision.Status != ScaleTargetAnswer.Decided)
        {
            await StatusAsync(context, decision.Status, decision.Reason, decision.Message).ConfigureAwait(false);
            return;
        }

        MetricItem[] items = [new(decision.Kind!, decision.ApiVersion!, name, decision.DesiredReplicas)];
        await WriteAsync(context, 200, w => MetricsApiJson.MetricValueList(w, request.Version!, MetricsApiGroups.DesiredReplicas, null, ns, decision.At, items)).ConfigureAwait(false);
    }

    /// <summary>The composite decision as an external metric: <c>labelSelector=resource=deployments.apps,name=llama</c>.</summary>
    private async Task ExternalAsync(HttpContext context, MetricsApiRequest request, CancellationToken ct)
    {
        if (request.Metric != MetricsApiGroups.DesiredReplicas)
        {
            await StatusAsync(context, 404, "NotFound", $"the server could not find the metric {request.Metric}: the external metric served is {MetricsApiGroups.DesiredReplicas}").ConfigureAwait(false);
            return;
        }

        if (!TryLabels(context.Request.Query["labelSelector"].ToString(), "labelSelector", out var labels, out var problem) || labels is null || !labels.TryGetValue("name", out var name))
        {
            await StatusAsync(context, 400, "BadRequest", problem ?? "labelSelector: expected the workload as name=<name> and optionally resource=<resource.group> (default deployments.apps), such as resource=deployments.apps,name=llama").ConfigureAwait(false);
            return;
        }

        var resource = labels.GetValueOrDefault("resource", "deployments.apps");
        var decision = await decisions.DecideScaleTargetAsync(new ScaleTargetRequest(request.Namespace!, resource, name), ct).ConfigureAwait(false);
        if (decision.Status != ScaleTargetAnswer.Decided)
        {
            await StatusAsync(context, decision.Status, decision.Reason, decision.Message).ConfigureAwait(false);
            return;
        }

        var series = new Dictionary<string, string>(StringComparer.Ordinal) { ["resource"] = resource, ["name"] = name };
        await WriteAsync(context, 200, w => MetricsApiJson.ExternalMetricValueList(w, MetricsApiGroups.DesiredReplicas, series, decision.At, decision.DesiredReplicas)).ConfigureAwait(false);
    }

    private void Discovery(Utf8JsonWriter w, MetricsApiRequest request)
    {
        if (request.Group == MetricsApiGroups.External)
        {
            MetricsApiJson.ApiResourceList(w, $"{MetricsApiGroups.External}/{request.Version}", "ExternalMetricValueList", [MetricsApiGroups.DesiredReplicas]);
            return;
        }

        var resources = podMetrics.All.Select(m => $"pods/{m.Name}")
            .Concat(MetricsApiGroups.ListedObjectResources.Select(r => $"{r}/{MetricsApiGroups.DesiredReplicas}"));
        MetricsApiJson.ApiResourceList(w, $"{MetricsApiGroups.Custom}/{request.Version}", "MetricValueList", resources);
    }

    private static IEnumerable<(string Group, IReadOnlyList<string> Versions)> Groups(bool external)
    {
        yield return (MetricsApiGroups.Custom, MetricsApiGroups.CustomVersions);
        if (external)
        {
            yield return (MetricsApiGroups.External, [MetricsApiGroups.V1Beta1]);
        }
    }

    /// <summary>What a SubjectAccessReview asks for this request (kube-apiserver's request info conventions).</summary>
    private static AccessAttributes Attributes(MetricsApiRequest request, string path) => request.Kind switch
    {
        MetricsApiRequestKind.Pods or MetricsApiRequestKind.Object => new("get", path, request.Group, request.Version, request.Resource, request.Namespace, request.Name, request.Metric),
        MetricsApiRequestKind.External => new("list", path, request.Group, request.Version, request.Metric, request.Namespace),
        _ => new("get", path),
    };

    private static bool TrySelectors(HttpContext context, out string selector, out Dictionary<string, string>? metricLabels, out string? problem)
    {
        selector = "";
        metricLabels = null;
        if (!LabelSelector.TryParse(context.Request.Query["labelSelector"].ToString(), "labelSelector", out var parsed, out problem))
        {
            return false;
        }

        selector = parsed.ToString();
        return TryLabels(context.Request.Query["metricLabelSelector"].ToString(), "metricLabelSelector", out metricLabels, out problem);
    }

    /// <summary>A selector of equality requirements only, as labels; null when empty.</summary>
    private static bool TryLabels(string text, string name, out Dictionary<string, string>? labels, out string? problem)
    {
        labels = null;
        if (!LabelSelector.TryParse(text, name, out var parsed, out problem))
        {
            return false;
        }

        foreach (var requirement in parsed.Requirements)
        {
            if (requirement.Operator != SelectorOperator.In || requirement.Values.Count != 1)
            {
                problem = $"{name} '{text}': only equality requirements (key=value) are read, got '{requirement}'";
                return false;
            }

            (labels ??= new(StringComparer.Ordinal))[requirement.Key] = requirement.Values[0];
        }

        return true;
    }

    private static Task StatusAsync(HttpContext context, int code, string reason, string message) =>
        WriteAsync(context, code, w => MetricsApiJson.Status(w, code, reason, message));

    private static async Task WriteAsync(HttpContext context, int code, Action<Utf8JsonWriter> body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            body(writer);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 765, Level = LogLevel.Debug, Message = "Metrics API: refused with {Code}: {Reason}")]
    private static partial void LogRefused(ILogger logger, int code, string reason);
}
