using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// How WebUI tells an SD2.x v model from an eps one, whose weights have the same names and shapes
/// (sd_models_config.is_using_v_parameterization_for_sd2): one UNet forward on a fixed input, x = 0.5 everywhere
/// [1,4,8,8], timestep 999, a 2-token context of 0.5; a v model's mean of (output − x) lies below −1. A 9-channel
/// (inpainting) UNet is eps without a test (WebUI picks v2-inpainting-inference.yaml first).
/// </summary>
public static class VPredictionProbe
{
    public const double Threshold = -1;

    /// <summary>mean(unet(x) − x) for the fixed input (WebUI runs it in float32; here in the UNet's compute dtype).</summary>
    public static double Value(UnetModel unet)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = unet.On.Device;
        var x = full([1, unet.Config.InChannels, 8, 8], 0.5f, ScalarType.Float32, device);
        var context = full([1, 2, unet.Config.ContextDim], 0.5f, ScalarType.Float32, device);
        var output = unet.Forward(x, tensor(new long[] { 999 }, device: device), context).to(ScalarType.Float32);
        return (output - x).mean().item<float>();
    }

    /// <summary>What <paramref name="unet"/> predicts, decided as WebUI decides it.</summary>
    public static ModelPrediction Decide(UnetModel unet) =>
        unet.Config.InChannels != 4 ? ModelPrediction.Epsilon : Value(unet) < Threshold ? ModelPrediction.V : ModelPrediction.Epsilon;
}
