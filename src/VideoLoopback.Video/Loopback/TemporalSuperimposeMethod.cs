using System.Text.Json.Serialization;

namespace VideoLoopback.Video.Loopback;

/// <summary>The original's temporal_superimpose_method; the JSON names are its strings.</summary>
public enum TemporalSuperimposeMethod
{
    [JsonStringEnumMemberName("simple")] Simple,
    [JsonStringEnumMemberName("with difference mask from reference")] WithDifferenceMask,
}
