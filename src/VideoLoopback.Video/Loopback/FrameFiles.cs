using System.IO.Compression;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>Reads image files into uint8 <c>[C,H,W]</c> frames and writes frames as PNG.</summary>
public static class FrameFiles
{
    /// <summary>Reads an image as RGB, RGBA (when it has transparency) or L (grayscale) <c>[C,H,W]</c> on <paramref name="device"/>.</summary>
    public static Tensor Read(string path, Device? device = null)
    {
        using var codec = SKCodec.Create(path) ?? throw new InvalidDataException($"'{path}' is not a readable image");
        var info = codec.Info;
        bool gray = info.ColorType == SKColorType.Gray8;
        bool alpha = info.AlphaType != SKAlphaType.Opaque;
        var decodeInfo = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var pixels = new byte[info.Width * info.Height * 4];
        unsafe
        {
            fixed (byte* p = pixels)
            {
                var result = codec.GetPixels(decodeInfo, (IntPtr)p);
                if (result != SKCodecResult.Success && result != SKCodecResult.IncompleteInput)
                    throw new InvalidDataException($"'{path}' could not be decoded: {result}");
            }
        }
        using var scope = NewDisposeScope();
        var hwc = tensor(pixels, dtype: ScalarType.Byte).view(info.Height, info.Width, 4);
        var chw = hwc.permute(2, 0, 1);
        Tensor frame = gray ? chw.narrow(0, 0, 1) : alpha ? chw : chw.narrow(0, 0, 3);
        return frame.contiguous().to(device ?? CPU).MoveToOuterDisposeScope();
    }

    /// <summary>Writes an L, RGB or RGBA frame <c>[C,H,W]</c> as an 8-bit PNG (unfiltered rows, zlib).</summary>
    public static void WritePng(string path, Tensor frame)
    {
        int c = (int)frame.shape[0], h = (int)frame.shape[1], w = (int)frame.shape[2];
        byte colorType = c switch { 1 => 0, 3 => 2, 4 => 6, _ => throw new ArgumentException($"cannot write a {c}-channel frame as PNG") };
        byte[] hwc;
        using (var cpu = frame.permute(1, 2, 0).contiguous().cpu())
            hwc = cpu.data<byte>().ToArray();

        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            int stride = w * c;
            for (int y = 0; y < h; y++)
            {
                z.WriteByte(0);
                z.Write(hwc, y * stride, stride);
            }
        }
        using var file = File.Create(path);
        file.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var ihdr = new byte[13];
        WriteBigEndian(ihdr, 0, (uint)w);
        WriteBigEndian(ihdr, 4, (uint)h);
        ihdr[8] = 8;
        ihdr[9] = colorType;
        WriteChunk(file, "IHDR"u8, ihdr);
        WriteChunk(file, "IDAT"u8, raw.ToArray());
        WriteChunk(file, "IEND"u8, []);
    }

    private static void WriteChunk(Stream s, ReadOnlySpan<byte> type, byte[] data)
    {
        var len = new byte[4];
        WriteBigEndian(len, 0, (uint)data.Length);
        s.Write(len);
        s.Write(type);
        s.Write(data);
        uint crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        var crcBytes = new byte[4];
        WriteBigEndian(crcBytes, 0, crc);
        s.Write(crcBytes);
    }

    private static void WriteBigEndian(byte[] b, int o, uint v)
    {
        b[o] = (byte)(v >> 24); b[o + 1] = (byte)(v >> 16); b[o + 2] = (byte)(v >> 8); b[o + 3] = (byte)v;
    }

    private static class Crc32
    {
        private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
        {
            uint c = (uint)n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            return c;
        }).ToArray();

        public static uint Update(uint crc, ReadOnlySpan<byte> data)
        {
            foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc;
        }
    }
}
