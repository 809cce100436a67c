using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;

namespace VideoLoopback.Video.Tests.Imaging;

/// <summary>Small image files built byte by byte, so headers can claim what their data does not hold.</summary>
internal static class CraftedImages
{
    private static readonly byte[] PngSignature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>A 24-bit BMP: the 54-byte header, then <paramref name="pixelBytes"/> bytes of pixel data (0: header only).</summary>
    public static byte[] Bmp(int width, int height, int pixelBytes = 0)
    {
        var data = new byte[54 + pixelBytes];
        data[0] = (byte)'B';
        data[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(2), data.Length);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(28), 24);
        for (var i = 54; i < data.Length; i++) data[i] = (byte)(i * 37);
        return data;
    }

    /// <summary>A PNG of the given chunks (CRCs computed), after the signature.</summary>
    public static byte[] Png(params (string Type, byte[] Body)[] chunks)
    {
        using var stream = new MemoryStream();
        stream.Write(PngSignature);
        foreach (var (type, body) in chunks) WriteChunk(stream, type, body, body.Length);
        return stream.ToArray();
    }

    /// <summary>A chunk whose length field says <paramref name="declaredLength"/>, whatever the body holds.</summary>
    public static void WriteChunk(Stream stream, string type, byte[] body, uint declaredLength)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, declaredLength);
        stream.Write(word);
        var typeAndBody = System.Text.Encoding.ASCII.GetBytes(type).Concat(body).ToArray();
        stream.Write(typeAndBody);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeAndBody));
        stream.Write(word);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return crc ^ 0xFFFFFFFFu;
    }

    private static void WriteChunk(Stream stream, string type, byte[] body, int length) => WriteChunk(stream, type, body, (uint)length);

    public static (string, byte[]) Ihdr(int width, int height, byte bitDepth, byte colorType, byte interlace = 0)
    {
        var body = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(body, width);
        BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(4), height);
        body[8] = bitDepth;
        body[9] = colorType;
        body[12] = interlace;
        return ("IHDR", body);
    }

    /// <summary>IDAT of the given scanlines (each already led by its filter byte), zlib-compressed.</summary>
    public static (string, byte[]) Idat(byte[] scanlines)
    {
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) z.Write(scanlines);
        return ("IDAT", compressed.ToArray());
    }

    public static (string, byte[]) Iend => ("IEND", []);

    /// <summary>A complete PNG: <paramref name="width"/>x<paramref name="height"/> 8-bit RGB, filter None, varied pixels.</summary>
    public static byte[] RgbPng(int width, int height)
    {
        var lines = new byte[height * (1 + 3 * width)];
        for (var i = 0; i < lines.Length; i++) lines[i] = i % (1 + 3 * width) == 0 ? (byte)0 : (byte)(i * 29);
        return Png(Ihdr(width, height, 8, 2), Idat(lines), Iend);
    }

    /// <summary>An image encoded by Skia (JPEG or WebP) of a small gradient.</summary>
    public static byte[] Encoded(SKEncodedImageFormat format, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 30), (byte)(y * 30), (byte)(x * y)));
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }
}
