using System.Text.Json.Serialization;

namespace VideoLoopback.Video.Loopback;

/// <summary>The original's video_post_process_method; the JSON names are its strings.</summary>
public enum VideoPostProcessMethod
{
    [JsonStringEnumMemberName("None")] None,
    [JsonStringEnumMemberName("FastDVDNet")] FastDvdNet,
}
