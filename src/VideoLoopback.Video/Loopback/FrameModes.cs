using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>PIL's <c>convert</c> by channel count, without a copy when the frame already has that many channels.</summary>
public static class FrameModes
{
    /// <summary>The frame as <paramref name="channels"/> channels (1 L, 3 RGB, 4 RGBA): an alias when unchanged, else a new tensor.</summary>
    public static Tensor Convert(Tensor frame, int channels) =>
        frame.shape[^3] == channels ? frame.alias() : ImageConvert.To(frame, ImageModes.FromChannels(channels));
}
