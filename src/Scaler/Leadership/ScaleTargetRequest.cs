namespace Scaler.Leadership;

/// <summary>
/// A decision asked of a workload itself (the custom metrics API's <c>scaler_desired_replicas</c>): the workload
/// with a <c>/scale</c> subresource, as <c>resource.group</c> and name. The leader looks it up and reads its
/// policy annotations itself, so a follower and the leader never disagree on what its policy is.
/// </summary>
internal sealed record ScaleTargetRequest(string Namespace, string Resource, string Name);
