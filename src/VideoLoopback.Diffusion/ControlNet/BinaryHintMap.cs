namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>
/// The binary branch of sd-webui-controlnet's high_quality_resize, for control images of exactly two colours spanning black to
/// white (darkest value below 16, brightest above 240): the resized map is averaged to grey and binarised again with Otsu's
/// threshold. When most of the white is one pixel wide (edge maps such as canny or lineart), the grey map is first reduced to
/// its directional maxima and the binarised result is thinned, so lines stay one pixel wide at the new size.
/// </summary>
internal static class BinaryHintMap
{
    private static readonly bool[,] Square = { { true, true, true }, { true, true, true }, { true, true, true } };

    /// <summary>Line directions (horizontal, vertical, both diagonals) along which a pixel must be a maximum to survive.</summary>
    private static readonly bool[][,] Directions =
    [
        new[,] { { false, false, false }, { true, true, true }, { false, false, false } },
        new[,] { { false, true, false }, { false, true, false }, { false, true, false } },
        new[,] { { true, false, false }, { false, true, false }, { false, false, true } },
        new[,] { { false, false, true }, { false, true, false }, { true, false, false } },
    ];

    /// <summary>Whether the extension binarises this image: <paramref name="colourCount"/> distinct RGB colours in <paramref name="rgb"/>.</summary>
    public static bool Applies(byte[] rgb, int colourCount) => colourCount == 2 && rgb.Min() < 16 && rgb.Max() > 240;

    /// <summary>
    /// Binarises <paramref name="resized"/> ([newH,newW,3], the source resized with the usual interpolation rule) as the
    /// extension does for the two-colour <paramref name="source"/> ([h,w,3]); returns grey repeated to RGB [newH,newW,3].
    /// </summary>
    public static byte[] Binarise(byte[] source, int h, int w, byte[] resized, int newH, int newW)
    {
        int count = newH * newW;
        var grey = new byte[count];
        for (int i = 0; i < count; i++)
        {
            // np.mean over channels in float32, then astype(uint8): truncation.
            float mean = (float)(resized[i * 3] + resized[i * 3 + 1] + resized[i * 3 + 2]) / 3f;
            grey[i] = (byte)Math.Clamp(mean, 0f, 255f);
        }
        byte[] binary;
        if (IsOnePixelEdgeMap(source, h, w))
        {
            var suppressed = OtsuThreshold.Apply(KeepDirectionalMaxima(grey, newH, newW));
            binary = EdgeThinning.Thin(suppressed, newH, newW, prune: (long)newH * newW > (long)h * w);
        }
        else
            binary = OtsuThreshold.Apply(grey);
        var rgb = new byte[count * 3];
        for (int i = 0; i < count; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = binary[i];
        return rgb;
    }

    /// <summary>
    /// An opening (3x3 erode then dilate) removes every white structure thinner than 3 pixels; the map counts as one-pixel edges
    /// when the values it lowers are more than half of all values above 127 (both counted over every channel).
    /// </summary>
    private static bool IsOnePixelEdgeMap(byte[] source, int h, int w)
    {
        var opened = Morphology.Dilate(Morphology.Erode(source, h, w, 3, Square), h, w, 3, Square);
        long lowered = 0, bright = 0;
        for (int i = 0; i < source.Length; i++)
        {
            if (opened[i] < source[i]) lowered++;
            if (source[i] > 127) bright++;
        }
        return lowered * 2 > bright;
    }

    /// <summary>nake_nms: a pixel keeps its value if it is a maximum along at least one of the four directions, else becomes 0.</summary>
    private static byte[] KeepDirectionalMaxima(byte[] grey, int h, int w)
    {
        var kept = new byte[grey.Length];
        foreach (var direction in Directions)
        {
            var neighbourhoodMax = Morphology.Dilate(grey, h, w, 1, direction);
            for (int i = 0; i < grey.Length; i++)
                if (neighbourhoodMax[i] == grey[i]) kept[i] = grey[i];
        }
        return kept;
    }
}
