using System.Buffers.Binary;
using System.IO.Compression;

namespace VideoLoopback.Diffusion.Tests.Sampling;

/// <summary>Reads the golden masks: 8-bit greyscale, non-interlaced PNG (all the mask_blur files are).</summary>
internal static class GrayPng
{
    public static (byte[] Pixels, int Width, int Height) Read(string path)
    {
        var data = File.ReadAllBytes(path);
        int width = 0, height = 0;
        using var idat = new MemoryStream();
        for (int offset = 8; offset < data.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(offset));
            string type = System.Text.Encoding.ASCII.GetString(data, offset + 4, 4);
            var body = data.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                if (body[8] != 8 || body[9] != 0 || body[12] != 0)
                    throw new InvalidDataException($"{path}: only 8-bit greyscale non-interlaced PNG is supported");
            }
            else if (type == "IDAT") idat.Write(body);
            offset += 12 + length;
        }
        idat.Position = 0;
        using var inflater = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new byte[(width + 1) * height];
        inflater.ReadExactly(raw);
        var pixels = new byte[width * height];
        for (int y = 0; y < height; y++)
        {
            int filter = raw[y * (width + 1)];
            for (int x = 0; x < width; x++)
            {
                int value = raw[y * (width + 1) + 1 + x];
                int left = x > 0 ? pixels[y * width + x - 1] : 0;
                int up = y > 0 ? pixels[(y - 1) * width + x] : 0;
                int upLeft = x > 0 && y > 0 ? pixels[(y - 1) * width + x - 1] : 0;
                value += filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException($"{path}: bad PNG filter {filter}"),
                };
                pixels[y * width + x] = (byte)value;
            }
        }
        return (pixels, width, height);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
