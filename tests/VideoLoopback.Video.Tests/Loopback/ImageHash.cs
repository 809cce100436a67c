using System.Security.Cryptography;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>The golden data's image identity: PIL mode, [width, height] and sha256 of the raw interleaved pixel bytes.</summary>
public static class ImageHash
{
    public static string Mode(Tensor chw) => chw.shape[0] switch { 1 => "L", 3 => "RGB", 4 => "RGBA", var c => $"{c}-channel" };

    public static string Sha256(Tensor chw)
    {
        using var hwc = chw.permute(1, 2, 0).contiguous().cpu();
        return Convert.ToHexStringLower(SHA256.HashData(hwc.bytes));
    }

    public static string Describe(Tensor chw) => $"{Mode(chw)} {chw.shape[2]}x{chw.shape[1]} {Sha256(chw)}";
}
