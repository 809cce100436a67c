namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>
/// cv2.threshold(image, 0, 255, THRESH_BINARY + THRESH_OTSU) on a single-channel uint8 image, following OpenCV's generic
/// getThreshVal_Otsu_8u: the level with the largest between-class variance in a double-precision scan over the histogram, levels
/// whose either class holds less than FLT_EPSILON of the pixels skipped, the first (lowest) level kept on ties. Pixels strictly
/// above the level become 255, the rest 0.
/// </summary>
public static class OtsuThreshold
{
    private const double FloatEpsilon = 1.1920928955078125e-07;

    public static int Level(ReadOnlySpan<byte> image)
    {
        if (image.IsEmpty) throw new ArgumentException("Otsu threshold of an empty image", nameof(image));
        var histogram = new int[256];
        foreach (var value in image) histogram[value]++;
        double scale = 1.0 / image.Length;
        double mean = 0;
        for (int i = 0; i < 256; i++) mean += i * (double)histogram[i];
        mean *= scale;

        // mean1 is the lower class's mean; it is multiplied back to a partial sum at the top of every step, including steps
        // skipped by the epsilon guard (OpenCV's order of operations, kept so rounding matches).
        double mean1 = 0, weight1 = 0, bestVariance = 0;
        int best = 0;
        for (int i = 0; i < 256; i++)
        {
            double p = histogram[i] * scale;
            mean1 *= weight1;
            weight1 += p;
            double weight2 = 1.0 - weight1;
            if (Math.Min(weight1, weight2) < FloatEpsilon || Math.Max(weight1, weight2) > 1.0 - FloatEpsilon) continue;
            mean1 = (mean1 + i * p) / weight1;
            double mean2 = (mean - weight1 * mean1) / weight2;
            double variance = weight1 * weight2 * (mean1 - mean2) * (mean1 - mean2);
            if (variance > bestVariance)
            {
                bestVariance = variance;
                best = i;
            }
        }
        return best;
    }

    /// <summary>The binarised image: 255 where the value is above <see cref="Level"/>, else 0.</summary>
    public static byte[] Apply(ReadOnlySpan<byte> image)
    {
        int level = Level(image);
        var output = new byte[image.Length];
        for (int i = 0; i < image.Length; i++) output[i] = image[i] > level ? (byte)255 : (byte)0;
        return output;
    }
}
