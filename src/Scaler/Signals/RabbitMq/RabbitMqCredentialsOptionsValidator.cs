using Microsoft.Extensions.Options;

namespace Scaler.Signals.RabbitMq;

/// <summary>Refuses to start with a bad <see cref="RabbitMqCredentialsOptions"/>, naming every setting at fault.</summary>
internal sealed class RabbitMqCredentialsOptionsValidator : IValidateOptions<RabbitMqCredentialsOptions>
{
    public ValidateOptionsResult Validate(string? name, RabbitMqCredentialsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
