using System.Buffers.Binary;
using System.IO.Compression;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// A small exact PNG codec: decodes non-interlaced PNGs of every colour type to interleaved 8-bit samples
/// without any colour management, premultiplication or gamma (what Pillow hands back), and encodes
/// L / LA / RGB / RGBA. Interlaced files are reported as unsupported so the caller can fall back.
/// </summary>
internal static class PngCodec
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    public static bool HasSignature(ReadOnlySpan<byte> data) => data.Length >= 8 && data[..8].SequenceEqual(Signature);

    /// <summary>Decoded pixels: row-major, channels interleaved, <see cref="ImageModes.Channels"/> bytes per pixel.</summary>
    public sealed record Decoded(int Width, int Height, ImageMode Mode, byte[] Pixels);

    /// <summary>The length IHDR's body has: width, height, bit depth, colour type, compression, filter, interlace.</summary>
    private const int HeaderLength = 13;

    /// <returns>null when the file is a valid PNG this codec does not handle (interlaced).</returns>
    /// <exception cref="ImageFileException">A corrupt or truncated PNG, or more pixels than <paramref name="maxPixels"/>.</exception>
    public static Decoded? Decode(byte[] data, string path, long maxPixels)
    {
        if (!HasSignature(data)) throw new ImageFileException(path, "not a PNG file");
        int width = 0, height = 0, bitDepth = 0, colorType = -1, interlace = 0;
        byte[]? palette = null, transparency = null;
        using var idat = new MemoryStream();
        long pos = 8;
        var sawEnd = false;
        while (pos + 12 <= data.Length && !sawEnd)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan((int)pos));
            var type = System.Text.Encoding.ASCII.GetString(data, (int)pos + 4, 4);
            if (pos + 12 + length > data.Length)
                throw new ImageFileException(path, $"PNG chunk '{type}' of {length} bytes runs past the end of the file");
            var body = data.AsSpan((int)pos + 8, (int)length);
            switch (type)
            {
                case "IHDR":
                    if (body.Length < HeaderLength)
                        throw new ImageFileException(path, $"PNG IHDR chunk has {body.Length} bytes, expected {HeaderLength}");
                    width = BinaryPrimitives.ReadInt32BigEndian(body);
                    height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                    ImageLimits.CheckPixels(path, width, height, maxPixels);
                    bitDepth = body[8];
                    colorType = body[9];
                    interlace = body[12];
                    break;
                case "PLTE": palette = body.ToArray(); break;
                case "tRNS": transparency = body.ToArray(); break;
                case "IDAT": idat.Write(body); break;
                case "IEND": sawEnd = true; break;
            }
            pos += 12 + length;
        }
        if (colorType < 0) throw new ImageFileException(path, "PNG has no IHDR chunk");
        if (interlace != 0) return null;
        var samplesPerPixel = colorType switch
        {
            0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4,
            _ => throw new ImageFileException(path, $"unknown PNG colour type {colorType}"),
        };
        if (bitDepth is not (1 or 2 or 4 or 8 or 16) || (bitDepth == 16 && colorType == 3) || (bitDepth < 8 && colorType is 2 or 4 or 6))
            throw new ImageFileException(path, $"invalid PNG bit depth {bitDepth} for colour type {colorType}");

        // Every buffer below is sized in 64-bit arithmetic first, so the int indexing after these checks cannot wrap.
        var bitsPerPixel = samplesPerPixel * bitDepth;
        var stride = (width * (long)bitsPerPixel + 7) / 8;
        var filterUnit = Math.Max(1, bitsPerPixel / 8);
        var outputChannels = colorType == 3 ? (transparency is null ? 3 : 4) : samplesPerPixel;
        ImageLimits.BufferLength(path, (long)outputChannels * width * height, width, height);
        var raw = new byte[ImageLimits.BufferLength(path, stride * height, width, height)];
        idat.Position = 0;
        try
        {
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            var previous = new byte[stride];
            var line = new byte[stride + 1];
            for (var y = 0; y < height; y++)
            {
                z.ReadExactly(line);
                var current = raw.AsSpan((int)(y * stride), (int)stride);
                line.AsSpan(1).CopyTo(current);
                Unfilter(line[0], current, previous, filterUnit, path, y);
                current.CopyTo(previous);
            }
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new ImageFileException(path, $"PNG image data is corrupt or truncated ({e.Message})", e);
        }

        return colorType switch
        {
            0 => new Decoded(width, height, ImageMode.L, Gray(raw, width, height, (int)stride, bitDepth)),
            2 => new Decoded(width, height, ImageMode.RGB, EightBit(raw, width * height * 3, bitDepth)),
            4 => new Decoded(width, height, ImageMode.LA, EightBit(raw, width * height * 2, bitDepth)),
            6 => new Decoded(width, height, ImageMode.RGBA, EightBit(raw, width * height * 4, bitDepth)),
            _ => Paletted(raw, width, height, (int)stride, bitDepth, palette, transparency, path),
        };
    }

    private static void Unfilter(byte filter, Span<byte> cur, ReadOnlySpan<byte> prev, int bpp, string path, int row)
    {
        switch (filter)
        {
            case 0: break;
            case 1: for (var i = bpp; i < cur.Length; i++) cur[i] += cur[i - bpp]; break;
            case 2: for (var i = 0; i < cur.Length; i++) cur[i] += prev[i]; break;
            case 3:
                for (var i = 0; i < cur.Length; i++)
                    cur[i] += (byte)(((i >= bpp ? cur[i - bpp] : 0) + prev[i]) >> 1);
                break;
            case 4:
                for (var i = 0; i < cur.Length; i++)
                {
                    int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
                    int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                    cur[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }
                break;
            default: throw new ImageFileException(path, $"PNG row {row} has unknown filter type {filter}");
        }
    }

    /// <summary>16-bit samples keep their high byte (as Pillow's 8-bit unpackers do).</summary>
    private static byte[] EightBit(byte[] raw, int samples, int bitDepth)
    {
        if (bitDepth == 8) return raw.Length == samples ? raw : raw[..samples];
        var result = new byte[samples];
        for (var i = 0; i < samples; i++) result[i] = raw[2 * i];
        return result;
    }

    /// <summary>Low bit depths are scaled to 0..255 (0/255 for 1 bit), as converting them to 'L' does.</summary>
    private static byte[] Gray(byte[] raw, int width, int height, int stride, int bitDepth)
    {
        if (bitDepth >= 8) return EightBit(raw, width * height, bitDepth);
        var result = new byte[width * height];
        var max = (1 << bitDepth) - 1;
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                result[y * width + x] = (byte)(SubByteSample(raw, y * stride, x, bitDepth) * 255 / max);
        return result;
    }

    /// <summary>Palette images expand to RGB, or RGBA when the file carries palette transparency.</summary>
    private static Decoded Paletted(byte[] raw, int width, int height, int stride, int bitDepth, byte[]? palette, byte[]? trns, string path)
    {
        if (palette is null) throw new ImageFileException(path, "palette PNG without a PLTE chunk");
        var channels = trns is null ? 3 : 4;
        var result = new byte[width * height * channels];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var index = bitDepth == 8 ? raw[y * stride + x] : SubByteSample(raw, y * stride, x, bitDepth);
                if (3 * index + 2 >= palette.Length) throw new ImageFileException(path, $"palette index {index} outside the palette");
                var o = (y * width + x) * channels;
                result[o] = palette[3 * index];
                result[o + 1] = palette[3 * index + 1];
                result[o + 2] = palette[3 * index + 2];
                if (channels == 4) result[o + 3] = index < trns!.Length ? trns[index] : (byte)255;
            }
        return new Decoded(width, height, channels == 4 ? ImageMode.RGBA : ImageMode.RGB, result);
    }

    private static int SubByteSample(byte[] raw, int rowStart, int x, int bitDepth)
    {
        var bit = x * bitDepth;
        var shift = 8 - bitDepth - bit % 8;
        return (raw[rowStart + bit / 8] >> shift) & ((1 << bitDepth) - 1);
    }

    /// <summary>Encodes interleaved 8-bit pixels; every row uses the Sub filter (cheap, compresses frames well).</summary>
    /// <param name="text">key/value text chunks written after IHDR (tEXt when Latin-1, else uncompressed UTF-8 iTXt, as PIL's PngInfo.add_text).</param>
    public static void Encode(Stream output, int width, int height, ImageMode mode, ReadOnlySpan<byte> pixels, CompressionLevel level,
        IReadOnlyList<KeyValuePair<string, string>>? text = null)
    {
        var channels = mode.Channels();
        var stride = width * channels;
        if (pixels.Length != (long)stride * height)
            throw new ArgumentException($"PNG encode: {pixels.Length} bytes do not hold a {width}x{height} {mode} image");
        output.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;
        header[9] = mode switch { ImageMode.L => 0, ImageMode.LA => 4, ImageMode.RGB => 2, _ => 6 };
        header[10] = header[11] = header[12] = 0;
        WriteChunk(output, "IHDR", header);
        foreach (var (key, value) in text ?? [])
            WriteTextChunk(output, key, value);

        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, level, leaveOpen: true))
        {
            var line = new byte[stride + 1];
            line[0] = 1;
            for (var y = 0; y < height; y++)
            {
                var row = pixels.Slice(y * stride, stride);
                for (var i = 0; i < stride; i++)
                    line[i + 1] = (byte)(row[i] - (i >= channels ? row[i - channels] : 0));
                z.Write(line);
            }
        }
        WriteChunk(output, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(output, "IEND", []);
    }

    private static void WriteTextChunk(Stream output, string key, string value)
    {
        if (key.Length is 0 or > 79 || key.Any(c => c > 255 || c == 0))
            throw new ArgumentException($"PNG text key '{key}' must be 1-79 Latin-1 characters");
        var latin1 = System.Text.Encoding.Latin1;
        bool isLatin1 = value.All(c => c <= 255);
        using var body = new MemoryStream();
        body.Write(latin1.GetBytes(key));
        body.WriteByte(0);
        if (isLatin1)
        {
            body.Write(latin1.GetBytes(value));
            WriteChunk(output, "tEXt", body.ToArray());
            return;
        }
        // iTXt: compression flag 0, method 0, empty language tag and translated keyword.
        body.Write([0, 0, 0, 0]);
        body.Write(System.Text.Encoding.UTF8.GetBytes(value));
        WriteChunk(output, "iTXt", body.ToArray());
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> body)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, body.Length);
        output.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        System.Text.Encoding.ASCII.GetBytes(type, typeBytes);
        output.Write(typeBytes);
        output.Write(body);
        var crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, typeBytes), body) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }

    /// <summary>The CRC-32 PNG chunks carry (ISO-HDLC polynomial).</summary>
    private static class Crc32
    {
        private static readonly uint[] Table = BuildTable();

        private static uint[] BuildTable()
        {
            var table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                var c = n;
                for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                table[n] = c;
            }
            return table;
        }

        public static uint Update(uint crc, ReadOnlySpan<byte> data)
        {
            foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc;
        }
    }
}
