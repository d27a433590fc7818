namespace NvmlExporter.Interop;

/// <summary>A non-success NVML return: which call, its code, and NVML's own text for the code.</summary>
public sealed record NvmlError(string Function, NvmlReturn Code, string Message)
{
    public override string ToString() => $"{Function} returned {Code.Label()} ({(int)Code}): {Message}";
}

/// <summary>Thrown only where a failure cannot be reported as data (loading the library).</summary>
public sealed class NvmlException : Exception
{
    public NvmlException(NvmlError error)
        : base(error.ToString()) => Error = error;

    public NvmlException(string message, Exception inner)
        : base(message, inner) => Error = new NvmlError("load", NvmlReturn.ERROR_LIBRARY_NOT_FOUND, message);

    public NvmlException()
        : this(new NvmlError("unknown", NvmlReturn.ERROR_UNKNOWN, "unknown"))
    {
    }

    public NvmlException(string message)
        : this(new NvmlError("unknown", NvmlReturn.ERROR_UNKNOWN, message))
    {
    }

    public NvmlException(string message, NvmlError error)
        : base(message) => Error = error;

    public NvmlError Error { get; }
}
