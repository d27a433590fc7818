using Scaler.Triggers;

namespace Scaler.FrontDoors.Keda;

/// <summary>Trigger metadata KEDA sent for a ScaledObject that the Scaler refused (INVALID_ARGUMENT), with every problem.</summary>
/// <param name="ScaledObject">The ScaledObject the metadata belongs to.</param>
/// <param name="Errors">Each problem, naming its key and the expected form (secrets never repeated).</param>
internal sealed record MetadataRejection(ScaledObjectKey ScaledObject, IReadOnlyList<string> Errors);
