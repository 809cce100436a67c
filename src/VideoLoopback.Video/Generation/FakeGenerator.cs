using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Generation;

/// <summary>
/// A deterministic stand-in for Stable Diffusion, used to dry-run jobs in seconds and by the golden tests
/// (it is the generator the reference outputs were produced with). Image k of a frame is
/// <c>(255 - rgb + add_k + c) mod 256</c> per channel c, with
/// <c>add_k = seed_k % 17 + 2 * (subseed_k % 5) + round_half_even(denoising * 10)</c>. Masks and control images are ignored.
/// </summary>
public sealed class FakeGenerator : IFrameGenerator
{
    public string ModelName => "fake_model";

    public string ModelHash => "deadbeef";

    public IReadOnlyList<Tensor> Generate(GenerationRequest request, CancellationToken cancellation = default)
    {
        var results = new List<Tensor>(request.Count);
        for (int i = 0; i < request.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var frame = request.Frames[i];
            // [3,H,W] as int32: RGBA init images simply lose their alpha channel.
            var rgb = request.InitImages[i].narrow(0, 0, 3).to(ScalarType.Int32);
            var channelOffset = arange(3, dtype: ScalarType.Int32, device: rgb.device).view(3, 1, 1);
            int d = (int)Math.Round(frame.DenoisingStrength * 10.0, MidpointRounding.ToEven);
            var images = new Tensor[frame.ImageCount];
            for (int k = 0; k < images.Length; k++)
            {
                long seed = frame.Seed + (frame.SubseedStrength == 0 ? k : 0);
                long subseed = frame.Subseed + k;
                long add = Mod(seed, 17) + 2 * Mod(subseed, 5) + d;
                images[k] = (255 - rgb + channelOffset + add).remainder(256).to(ScalarType.Byte);
            }
            results.Add(stack(images).MoveToOuterDisposeScope());
        }
        return results;
    }

    /// <summary>Holds nothing.</summary>
    public void Dispose() { }

    private static long Mod(long a, long m) => ((a % m) + m) % m;
}
