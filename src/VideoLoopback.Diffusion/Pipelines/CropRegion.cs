using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Pipelines;

/// <summary>
/// A pixel rectangle [X1,X2) × [Y1,Y2) for "Inpaint area: Only masked" (WebUI masking.py): the
/// bounding box of the non-zero mask pixels widened by the padding, then grown to the processing
/// aspect ratio while staying inside the image.
/// </summary>
public readonly record struct CropRegion(int X1, int Y1, int X2, int Y2)
{
    public int Width => X2 - X1;
    public int Height => Y2 - Y1;

    /// <summary>Bounding box of the non-zero pixels of <paramref name="mask"/> (uint8 [H,W]) plus <paramref name="padding"/>, clipped; null for an empty mask.</summary>
    public static CropRegion? FromMask(Tensor mask, int padding)
    {
        if (mask.dim() != 2) throw new ArgumentException($"mask must be [H,W]; got [{string.Join(",", mask.shape)}]", nameof(mask));
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "inpaint padding must be ≥ 0");
        using var scope = NewDisposeScope();
        var nonZero = mask.ne(0);
        var columns = nonZero.any(0).nonzero();
        if (columns.shape[0] == 0) return null;
        var rows = nonZero.any(1).nonzero();
        int height = (int)mask.shape[0], width = (int)mask.shape[1];
        int x1 = (int)columns[0].item<long>(), x2 = (int)columns[-1].item<long>() + 1;
        int y1 = (int)rows[0].item<long>(), y2 = (int)rows[-1].item<long>() + 1;
        return new CropRegion(Math.Max(x1 - padding, 0), Math.Max(y1 - padding, 0), Math.Min(x2 + padding, width), Math.Min(y2 + padding, height));
    }

    /// <summary>Grows the short side so the region has the processing aspect ratio (masking.expand_crop_region), shifted back inside the image.</summary>
    public CropRegion ExpandToAspect(int processingWidth, int processingHeight, int imageWidth, int imageHeight)
    {
        int x1 = X1, y1 = Y1, x2 = X2, y2 = Y2;
        double cropRatio = (double)(x2 - x1) / (y2 - y1);
        double processingRatio = (double)processingWidth / processingHeight;
        if (cropRatio > processingRatio)
        {
            double desiredHeight = (x2 - x1) / processingRatio;
            int diff = (int)(desiredHeight - (y2 - y1));
            y1 -= FloorDiv(diff, 2);
            y2 += diff - FloorDiv(diff, 2);
            if (y2 >= imageHeight) { int over = y2 - imageHeight; y2 -= over; y1 -= over; }
            if (y1 < 0) { y2 -= y1; y1 = 0; }
            if (y2 >= imageHeight) y2 = imageHeight;
        }
        else
        {
            double desiredWidth = (y2 - y1) * processingRatio;
            int diff = (int)(desiredWidth - (x2 - x1));
            x1 -= FloorDiv(diff, 2);
            x2 += diff - FloorDiv(diff, 2);
            if (x2 >= imageWidth) { int over = x2 - imageWidth; x2 -= over; x1 -= over; }
            if (x1 < 0) { x2 -= x1; x1 = 0; }
            if (x2 >= imageWidth) x2 = imageWidth;
        }
        return new CropRegion(x1, y1, x2, y2);
    }

    // Python's // on ints rounds toward −∞.
    private static int FloorDiv(int a, int b) => (int)Math.Floor((double)a / b);
}
