namespace Scaler.FrontDoors.MetricsApi;

/// <summary>One item of a metric list: the object it describes and its value, in the metric's unit.</summary>
/// <param name="Kind">The described object's kind (<c>Pod</c>, <c>Deployment</c>).</param>
/// <param name="ApiVersion">Its group and version (<c>v1</c>, <c>apps/v1</c>).</param>
/// <param name="Name">Its name.</param>
/// <param name="Value">The value.</param>
internal readonly record struct MetricItem(string Kind, string ApiVersion, string Name, double Value);
