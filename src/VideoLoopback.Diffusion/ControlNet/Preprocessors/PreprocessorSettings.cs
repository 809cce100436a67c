namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// A unit's processor_res, threshold_a and threshold_b after the preprocessor's defaults were applied, and the seed numpy's global
/// generator gets before the call (WebUI: (seed + subseed) mod 2^32 of the generation).
/// </summary>
public sealed record PreprocessorSettings(double Resolution, double ThresholdA, double ThresholdB, uint Seed = 0)
{
    /// <summary>WebUI's set_numpy_seed: (max(seed, 0) + max(subseed, 0)) mod 2^32.</summary>
    public static uint NumpySeed(long seed, long subseed) => unchecked((uint)(Math.Max(seed, 0) + Math.Max(subseed, 0)));
}
