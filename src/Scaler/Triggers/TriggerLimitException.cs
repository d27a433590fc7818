namespace Scaler.Triggers;

/// <summary>A new trigger was refused because a limit of live triggers is reached (<see cref="TriggerAdmission"/>); front doors answer "resource exhausted" with the message.</summary>
internal sealed class TriggerLimitException : Exception
{
    public TriggerLimitException()
    {
    }

    public TriggerLimitException(string message)
        : base(message)
    {
    }

    public TriggerLimitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
