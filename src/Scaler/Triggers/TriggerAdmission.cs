using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Scaler.Triggers;

/// <summary>
/// Counts the live triggers, in all and per namespace, against <see cref="TriggerLimitsOptions"/>: whoever keeps
/// per-trigger state admits a trigger before keeping anything for it and releases it when it forgets it. A
/// refusal says which limit, and is counted and logged (once per namespace until it drops below its limit).
/// </summary>
internal sealed partial class TriggerAdmission
{
    private readonly Dictionary<string, int> _perNamespace = new(StringComparer.Ordinal);
    private readonly HashSet<string> _logged = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TriggerLimitsOptions _options;
    private readonly ILogger _log;
    private readonly Gauge _live;
    private readonly Counter _refused;
    private int _total;

    public TriggerAdmission(IOptions<TriggerLimitsOptions> options, CollectorRegistry registry, ILogger<TriggerAdmission> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _log = log;
        var factory = Metrics.WithCustomRegistry(registry);
        _live = factory.CreateGauge("scaler_triggers_live", "Triggers the Scaler keeps deciding for now (all namespaces); a count.");
        _refused = factory.CreateCounter(
            "scaler_triggers_refused_total",
            "New triggers refused because a limit was reached, by limit (scaler: Scaler:Triggers:MaxLive, namespace: Scaler:Triggers:MaxLivePerNamespace); a count.",
            new CounterConfiguration { LabelNames = ["limit"] });
    }

    /// <summary>Live triggers now.</summary>
    public int Live => Volatile.Read(ref _total);

    /// <summary>Admits one more trigger of <paramref name="namespace"/>; false, with why, when a limit is reached.</summary>
    public bool TryAdmit(string @namespace, out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        lock (_gate)
        {
            var inNamespace = _perNamespace.GetValueOrDefault(@namespace);
            string? limit = null;
            if (_total >= _options.MaxLive)
            {
                limit = "scaler";
                refusal = string.Create(CultureInfo.InvariantCulture, $"the Scaler decides for at most {_options.MaxLive} triggers at once (Scaler:Triggers:MaxLive) and has as many; a trigger not asked about for {_options.ForgetAfter.TotalMinutes:0.#} min is forgotten and frees its place");
            }
            else if (inNamespace >= _options.MaxLivePerNamespace)
            {
                limit = "namespace";
                refusal = string.Create(CultureInfo.InvariantCulture, $"namespace {@namespace} has {inNamespace} triggers, the most one namespace may have (Scaler:Triggers:MaxLivePerNamespace); a trigger not asked about for {_options.ForgetAfter.TotalMinutes:0.#} min is forgotten and frees its place");
            }
            else
            {
                _perNamespace[@namespace] = inNamespace + 1;
                _total++;
                _live.Set(_total);
                refusal = null;
                return true;
            }

            _refused.WithLabels(limit).Inc();
            if (_logged.Add(limit == "scaler" ? "" : @namespace))
            {
                LogLimitReached(_log, limit, @namespace, refusal);
            }

            return false;
        }
    }

    /// <summary>Releases one trigger of <paramref name="namespace"/> (it was forgotten).</summary>
    public void Release(string @namespace)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        lock (_gate)
        {
            if (!_perNamespace.TryGetValue(@namespace, out var count))
            {
                return;
            }

            if (count <= 1)
            {
                _perNamespace.Remove(@namespace);
            }
            else
            {
                _perNamespace[@namespace] = count - 1;
            }

            _total--;
            _live.Set(_total);
            _logged.Remove(@namespace);
            if (_total < _options.MaxLive)
            {
                _logged.Remove("");
            }
        }
    }

    [LoggerMessage(EventId = 660, Level = LogLevel.Warning, Message = "Trigger limit reached ({Limit}): a new trigger of namespace {Namespace} is refused: {Refusal}")]
    private static partial void LogLimitReached(ILogger logger, string limit, string @namespace, string refusal);
}
