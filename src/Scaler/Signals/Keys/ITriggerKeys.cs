namespace Scaler.Signals.Keys;

/// <summary>
/// The trigger keys one source owns, and how they become signals. A source folder implements this next to its
/// query and registers it with <c>AddTriggerKeys</c>; the trigger parser loops over the registered ones, so no
/// front door names a source. The parser calls <see cref="Parse"/> only when one of <see cref="SwitchKeys"/> is
/// present; any other key of the source given while it is off is refused ("only used with …").
/// </summary>
internal interface ITriggerKeys
{
    /// <summary>Every key the source reads, in the order the docs list them (a key shared with another source, such as a signal's target, is listed by both).</summary>
    IReadOnlyList<TriggerKey> Keys { get; }

    /// <summary>The keys whose presence turns the source on.</summary>
    IReadOnlyList<string> SwitchKeys { get; }

    /// <summary>What the source reads and with which keys, for errors: <c>pending requests from Prometheus (prometheusAddress + pendingRequestsQuery)</c>.</summary>
    string Usage { get; }

    /// <summary>The shortest way to turn it on, for "at least one signal is required": <c>a queue (rabbitmqHost + queueName)</c>.</summary>
    string Example { get; }

    /// <summary>Whether its signals are read from the workload's pods (so they need the pod selector, and see nothing at zero replicas).</summary>
    bool ReadsPods { get; }

    /// <summary>
    /// Reads the source's keys from <paramref name="metadata"/> and adds its signals to <paramref name="trigger"/>;
    /// every problem goes to <paramref name="metadata"/>, naming the key. Pure: no I/O, no clock.
    /// </summary>
    void Parse(TriggerMetadataReader metadata, TriggerBuilder trigger);
}
