namespace VideoLoopback.Video.FastDvdNet;

/// <summary>FastDVDNet weights missing or unusable; the message names the file and what was expected.</summary>
public sealed class FastDvdNetWeightsException(string message, Exception? inner = null) : Exception(message, inner);
