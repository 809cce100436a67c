using TorchSharp;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoLoopback.Video.FastDvdNet;

/// <summary>
/// The original extension's FastDVDNet video post-process, run after each loop on that loop's frames:
/// add Gaussian noise of sigma noise_sigma/255 to the frames, denoise the sequence with FastDVDNet's
/// 5-frame window, convert to uint8 by truncation, and blend each denoised frame onto its frame before
/// the noise with PIL's <c>Image.blend(frame, denoised, alpha)</c>. Frames stay on the model's device.
/// </summary>
public sealed class FastDvdNetPostProcess : IDisposable
{
    /// <summary>Default pixels per network batch (about 8 frames of 256x256): bounds the working memory.</summary>
    public const long DefaultPixelsPerBatch = 8L * 256 * 256;

    private readonly FastDvdNetModel _model;
    private readonly long _pixelsPerBatch;
    private readonly ScalarType _computeType;

    /// <param name="model">The network (in eval mode, on the device the frames will be on); owned by this object.</param>
    /// <param name="pixelsPerBatch">Pixels of output frames per network batch; larger is faster until memory runs out.</param>
    /// <param name="computeType">The network's dtype. Default: float32.</param>
    public FastDvdNetPostProcess(FastDvdNetModel model, long pixelsPerBatch = DefaultPixelsPerBatch, ScalarType? computeType = null)
    {
        if (pixelsPerBatch <= 0) throw new ArgumentOutOfRangeException(nameof(pixelsPerBatch), pixelsPerBatch, "must be positive");
        _computeType = computeType ?? ScalarType.Float32;
        model.to(_computeType);
        _model = model;
        _model.eval();
        _pixelsPerBatch = pixelsPerBatch;
    }

    /// <summary>Loads the weights (see <see cref="FastDvdNetWeights.Locate"/>) onto <paramref name="device"/>.</summary>
    public static FastDvdNetPostProcess Load(string? weightsPath, Device device, long pixelsPerBatch = DefaultPixelsPerBatch) =>
        new(FastDvdNetWeights.Load(FastDvdNetWeights.Locate(weightsPath), device), pixelsPerBatch);

    /// <summary>
    /// The post-process with noise drawn from <paramref name="generator"/> (on the frames' device): the same
    /// seed gives the same frames whatever the batch size.
    /// </summary>
    /// <param name="frames">uint8 [N,C,H,W], C = 3 (RGB) or 4 (RGBA: alpha passes through unchanged), H and W at least 3.</param>
    /// <param name="noiseSigma">Noise standard deviation on the 0-255 scale (fastdvdnet_noise_sigma); the network was trained for 5..55.</param>
    /// <param name="alpha">Weight of the denoised frame in the blend (video_post_process_alpha): 0 keeps the frame, 1 takes the denoised one.</param>
    /// <returns>uint8 [N,C,H,W] on the same device.</returns>
    public Tensor Apply(Tensor frames, double noiseSigma, double alpha, Generator generator)
    {
        CheckFrames(frames);
        var (_, _, height, width) = (frames.shape[0], frames.shape[1], frames.shape[2], frames.shape[3]);
        var noise = FastDvdNetNoise.Gaussian(noiseSigma / 255.0, 3, height, width, frames.device, generator);
        return Apply(frames, noiseSigma, alpha, noise);
    }

    /// <summary>The post-process with noise from <paramref name="noise"/> ([count,3,H,W] float32, already scaled to sigma/255).</summary>
    public Tensor Apply(Tensor frames, double noiseSigma, double alpha, NoiseSource noise)
    {
        CheckFrames(frames);
        if (!double.IsFinite(noiseSigma) || noiseSigma < 0)
            throw new ArgumentOutOfRangeException(nameof(noiseSigma), noiseSigma, "fastdvdnet_noise_sigma must be a finite number >= 0 (0-255 scale)");
        if (!double.IsFinite(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "video_post_process_alpha must be a finite number");

        var count = (int)frames.shape[0];
        var (height, width) = (frames.shape[2], frames.shape[3]);
        var rgb = frames.shape[1] == 4 ? frames.narrow(1, 0, 3) : frames;
        var output = frames.clone();
        var framesPerDraw = FastDvdNetNoise.FramesPerDraw(3 * height * width, 1);

        Tensor NoisyFrames(int start, int n)
        {
            using var scope = NewDisposeScope();
            // The reference's seq = png / 255 (float32), then seq + noise.
            var clean = rgb.narrow(0, start, n).to(ScalarType.Float32) / 255f;
            return (clean + noise(start, n)).MoveToOuterDisposeScope();
        }

        using var noGrad = no_grad();
        using var denoiser = new SequenceDenoiser(_model, count, height, width, (float)(noiseSigma / 255.0), frames.device,
            NoisyFrames, framesPerDraw, ChunkFrames(height, width), _computeType);
        denoiser.Run((start, denoised) =>
        {
            // (denoised * 255).clip(0, 255).astype(uint8): truncation, not rounding.
            var denoisedBytes = (denoised * 255f).clamp_(0, 255).to(ScalarType.Byte);
            var original = rgb.narrow(0, start, denoised.shape[0]);
            output.narrow(0, start, denoised.shape[0]).narrow(1, 0, 3).copy_(ImageBlend.Blend(original, denoisedBytes, alpha));
        });
        return output;
    }

    /// <summary>
    /// FastDVDNet over a whole noisy sequence [N,3,H,W] float32 (the reference's <c>denoise_seq_fastdvdnet</c>):
    /// returns [N,3,H,W] clamped to [0,1]. <paramref name="sigma"/> is on the 0-1 scale.
    /// </summary>
    public Tensor DenoiseSequence(Tensor noisy, double sigma)
    {
        if (noisy.dim() != 4 || noisy.shape[1] != 3 || noisy.dtype != ScalarType.Float32)
            throw new ArgumentException($"noisy frames must be float32 [N,3,H,W], got {noisy.dtype} [{string.Join(",", noisy.shape)}]", nameof(noisy));
        var (count, height, width) = ((int)noisy.shape[0], noisy.shape[2], noisy.shape[3]);
        var output = empty_like(noisy);
        using var noGrad = no_grad();
        using var denoiser = new SequenceDenoiser(_model, count, height, width, (float)sigma, noisy.device,
            (start, n) => noisy.narrow(0, start, n).alias(), 1, ChunkFrames(height, width), _computeType);
        denoiser.Run((start, denoised) => output.narrow(0, start, denoised.shape[0]).copy_(denoised));
        return output;
    }

    /// <summary>
    /// One network call as the reference's <c>temp_denoise</c>: window [B,15,H,W] (5 stacked frames), reflect-padded
    /// to multiples of 4, denoised, clamped to [0,1], cropped back: [B,3,H,W]. <paramref name="sigma"/> is on the 0-1 scale.
    /// </summary>
    public Tensor DenoiseWindow(Tensor window, double sigma)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (height, width) = (window.shape[2], window.shape[3]);
        var inputType = window.dtype;
        window = window.to(_computeType);
        var (padBottom, padRight) = (SequenceDenoiser.PadToMultipleOf4(height), SequenceDenoiser.PadToMultipleOf4(width));
        var padded = padBottom > 0 || padRight > 0 ? F.pad(window, [0, padRight, 0, padBottom], PaddingModes.Reflect) : window;
        var noiseMap = full([window.shape[0], 1, padded.shape[2], padded.shape[3]], sigma, window.dtype, window.device);
        var denoised = _model.Forward(padded, noiseMap);
        var output = denoised.clamp(0.0, 1.0).narrow(2, 0, height).narrow(3, 0, width).to(inputType);
        return output.MoveToOuterDisposeScope();
    }

    private int ChunkFrames(long height, long width)
    {
        var padded = (height + SequenceDenoiser.PadToMultipleOf4(height)) * (width + SequenceDenoiser.PadToMultipleOf4(width));
        return (int)Math.Clamp(_pixelsPerBatch / padded, 1, 1024);
    }

    private static void CheckFrames(Tensor frames)
    {
        if (frames.dtype != ScalarType.Byte || frames.dim() != 4 || frames.shape[1] is not (3 or 4))
            throw new ArgumentException(
                $"FastDVDNet frames must be uint8 [N,3|4,H,W], got {frames.dtype} [{string.Join(",", frames.shape)}]", nameof(frames));
        if (frames.shape[0] < 1 || frames.shape[2] < 3 || frames.shape[3] < 3)
            throw new ArgumentException(
                $"FastDVDNet needs at least 1 frame of at least 3x3 pixels, got [{string.Join(",", frames.shape)}]", nameof(frames));
    }

    public void Dispose() => _model.Dispose();
}
