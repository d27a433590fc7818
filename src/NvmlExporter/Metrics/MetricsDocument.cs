using System.Globalization;
using System.Text;
using NvmlExporter.Attribution;
using NvmlExporter.Sampling;

namespace NvmlExporter.Metrics;

/// <summary>
/// The last rendered exposition. Rendering happens when a sample or the attribution changes, on the
/// publisher's thread; a scrape copies the bytes and appends one line computed from the clock (the
/// sample's age). A scrape never calls NVML and never waits for a sample.
/// </summary>
public sealed class MetricsDocument
{
    private static readonly byte[] AgeHeader = Encoding.ASCII.GetBytes(
        "# HELP nvml_exporter_last_sample_age_seconds Seconds since the last completed sample, at scrape time.\n" +
        "# TYPE nvml_exporter_last_sample_age_seconds gauge\nnvml_exporter_last_sample_age_seconds ");

    private readonly MetricsRenderer _renderer;
    private readonly AttributionStore _attribution;
    private readonly TimeProvider _time;
    private readonly Lock _renderGate = new();
    private readonly bool _attributionEnabled;
    private volatile Rendered _current;

    private sealed record Rendered(NvmlSnapshot Snapshot, byte[][] Body);

    /// <param name="attributionEnabled">Whether pod-resources health is part of the document.</param>
    public MetricsDocument(MetricsRenderer renderer, AttributionStore attribution, TimeProvider time, bool attributionEnabled = false)
    {
        _renderer = renderer;
        _attribution = attribution;
        _time = time;
        _attributionEnabled = attributionEnabled;
        _current = new Rendered(NvmlSnapshot.Empty, Render(NvmlSnapshot.Empty));
        _attribution.Changed += _ => Publish(_current.Snapshot);
    }

    public NvmlSnapshot Snapshot => _current.Snapshot;

    public void Publish(NvmlSnapshot snapshot)
    {
        lock (_renderGate)
        {
            _current = new Rendered(snapshot, Render(snapshot));
        }
    }

    private byte[][] Render(NvmlSnapshot snapshot) =>
        _renderer.RenderChunks(snapshot, _attribution.Current, _attributionEnabled ? _attribution.Health : null);

    /// <summary>The document as served now: the rendered body plus the sample-age line.</summary>
    public byte[] ToArray()
    {
        var current = _current;
        return [.. current.Body.SelectMany(chunk => chunk), .. AgeLine(current.Snapshot)];
    }

    public async Task WriteAsync(Stream destination, CancellationToken cancellationToken)
    {
        var current = _current;
        foreach (var chunk in current.Body)
        {
            await destination.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
        }

        await destination.WriteAsync(AgeLine(current.Snapshot), cancellationToken).ConfigureAwait(false);
    }

    private byte[] AgeLine(NvmlSnapshot snapshot)
    {
        if (snapshot.Counters.Samples == 0)
        {
            return [];
        }

        var age = Math.Max(0, (_time.GetUtcNow() - snapshot.Timestamp).TotalSeconds);
        var value = Encoding.ASCII.GetBytes(age.ToString("0.###", CultureInfo.InvariantCulture) + "\n");
        return [.. AgeHeader, .. value];
    }
}
