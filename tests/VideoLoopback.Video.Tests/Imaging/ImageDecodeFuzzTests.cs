using System.Buffers.Binary;
using SkiaSharp;
using VideoLoopback.Video.Imaging;
using static VideoLoopback.Video.Tests.Imaging.CraftedImages;

namespace VideoLoopback.Video.Tests.Imaging;

/// <summary>
/// Seeded mutations (bit flips, byte changes, truncations, cut or repeated ranges, huge dimension fields and chunk lengths)
/// of small PNG, BMP, JPEG, WebP and GIF files, decoded from memory: each either decodes or fails with an
/// <see cref="ImageFileException"/> naming the file; anything else is reported with the case that reproduces it.
/// A crash of the test process is the failure this guards against: the last case run is then the culprit.
/// </summary>
public sealed class ImageDecodeFuzzTests
{
    private const int Cases = 10_000;

    /// <summary>Small, so a mutated header that still fits (a GIF canvas of 1x65535) costs little to decode.</summary>
    private const long MaxPixels = 1 << 12;

    private static readonly uint[] EdgeValues = [0, 1, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFF0, 46341, 32768];

    private static (string Name, byte[] Data)[] Originals()
    {
        var grayLines = new byte[2 * (1 + 6)];
        var paletteLines = new byte[] { 0, 0b10110010, 0b10000000, 1, 0b01001101, 0b00000000 };
        return
        [
            ("rgb.png", RgbPng(5, 3)),
            ("gray16.png", Png(Ihdr(3, 2, 16, 0), Idat(grayLines), Iend)),
            ("palette1.png", Png(Ihdr(9, 2, 1, 3), ("PLTE", [0, 0, 0, 255, 255, 255]), ("tRNS", [0]), Idat(paletteLines), Iend)),
            ("interlaced.png", Png(Ihdr(1, 1, 8, 2, interlace: 1), Idat([0, 10, 20, 30]), Iend)),
            ("rgb.bmp", Bmp(4, 3, pixelBytes: 36)),
            ("header.bmp", Bmp(32768, 32769)),
            ("rgb.jpg", Encoded(SKEncodedImageFormat.Jpeg, 8, 8)),
            ("rgb.webp", Encoded(SKEncodedImageFormat.Webp, 4, 4)),
            ("pixel.gif", Convert.FromHexString(
                "47494638396101000100800000000000FFFFFF21F90401000000002C00000000010001000002024401003B")),
        ];
    }

    [Fact]
    public void MutatedImagesDecodeOrFailCleanly()
    {
        var originals = Originals();
        foreach (var (name, data) in originals.Where(o => !o.Name.StartsWith("header")))
            using (ImageFile.Decode(data, name).Image) { } // every original but the bare header is a valid image

        var failures = new List<string>();
        int decoded = 0, refused = 0;
        for (var seed = 0; seed < Cases; seed++)
        {
            var random = new Random(seed);
            var (name, original) = originals[random.Next(originals.Length)];
            var mutations = new List<string>();
            var data = original;
            for (int i = 0, n = random.Next(1, 5); i < n; i++) data = Mutate(data, name, random, mutations);
            var path = $"fuzz/{seed}/{name}";
            try
            {
                using (ImageFile.Decode(data, path, maxPixels: MaxPixels).Image) decoded++;
            }
            catch (ImageFileException e) when (e.Message.StartsWith(path + ": ", StringComparison.Ordinal))
            {
                refused++;
            }
            catch (Exception e)
            {
                failures.Add($"seed {seed}, {name} with {string.Join(", ", mutations)}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {Cases} cases failed uncleanly:\n{string.Join("\n", failures.Take(10))}");
        Assert.Equal(Cases, decoded + refused);
        Assert.InRange(refused, Cases / 10, Cases - Cases / 20); // both outcomes are exercised
    }

    private static byte[] Mutate(byte[] data, string name, Random random, List<string> log)
    {
        var d = data.ToArray();
        if (d.Length == 0) return d;
        switch (random.Next(7))
        {
            case 0:
            {
                var at = random.Next(d.Length);
                var bit = random.Next(8);
                d[at] ^= (byte)(1 << bit);
                log.Add($"bit {bit} of byte {at} flipped");
                return d;
            }
            case 1:
            {
                var at = Header(d, random);
                d[at] = (byte)random.Next(256);
                log.Add($"byte {at} = {d[at]}");
                return d;
            }
            case 2:
            {
                var length = random.Next(d.Length);
                log.Add($"truncated to {length}");
                return d[..length];
            }
            case 3:
            {
                var at = random.Next(d.Length);
                var length = random.Next(1, Math.Min(64, d.Length - at) + 1);
                var repeat = random.Next(2) == 0;
                log.Add(repeat ? $"bytes {at}+{length} repeated" : $"bytes {at}+{length} cut");
                return repeat ? [.. d[..(at + length)], .. d[at..]] : [.. d[..at], .. d[(at + length)..]];
            }
            case 4: return WriteDimension(d, name, random, log);
            case 5: return WriteChunkLength(d, name, random, log);
            default:
            {
                var at = Header(d, random);
                if (at + 4 > d.Length) return d;
                var value = Edge(random);
                if (random.Next(2) == 0) BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(at), value);
                else BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(at), value);
                log.Add($"word at {at} = 0x{value:X8}");
                return d;
            }
        }
    }

    /// <summary>A position in the first 64 bytes, where the headers are.</summary>
    private static int Header(byte[] d, Random random) => random.Next(Math.Min(64, d.Length));

    private static uint Edge(Random random) =>
        random.Next(3) == 0 ? (uint)random.NextInt64(0, 1L << 32) : EdgeValues[random.Next(EdgeValues.Length)];

    /// <summary>The width or height field of the format's header set to an edge value.</summary>
    private static byte[] WriteDimension(byte[] d, string name, Random random, List<string> log)
    {
        var height = random.Next(2) == 1;
        var value = Edge(random);
        switch (Path.GetExtension(name))
        {
            case ".png" when d.Length >= 24: BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(height ? 20 : 16), value); break;
            case ".bmp" when d.Length >= 26: BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(height ? 22 : 18), value); break;
            case ".gif" when d.Length >= 10: BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(height ? 8 : 6), (ushort)value); break;
            case ".jpg":
                var sof = d.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xFF, 0xC0]);
                if (sof < 0 || sof + 9 > d.Length) return d;
                BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(sof + (height ? 5 : 7)), (ushort)value);
                break;
            default: return d;
        }
        log.Add($"{(height ? "height" : "width")} = {value}");
        return d;
    }

    /// <summary>The length field of one of a PNG's chunks set to an edge value.</summary>
    private static byte[] WriteChunkLength(byte[] d, string name, Random random, List<string> log)
    {
        if (Path.GetExtension(name) != ".png") return d;
        var starts = new List<int>();
        for (long at = 8; at + 8 <= d.Length; at += 12L + BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan((int)at)))
            starts.Add((int)at);
        if (starts.Count == 0) return d;
        var start = starts[random.Next(starts.Count)];
        var value = Edge(random);
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(start), value);
        log.Add($"chunk length at {start} = {value}");
        return d;
    }
}
