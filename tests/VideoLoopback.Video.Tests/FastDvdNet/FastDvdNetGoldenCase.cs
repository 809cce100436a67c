using System.Text.Json;
using SkiaSharp;
using TorchSharp;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.FastDvdNet;

/// <summary>One case folder of tests/golden/loopback/fastdvdnet (see section 6 of the loopback golden README).</summary>
public sealed class FastDvdNetGoldenCase
{
    public static string Folder => GoldenData.Path("loopback", "fastdvdnet");
    public static string WeightsPath => Path.Combine(Folder, "weights.safetensors");

    /// <summary>Every case folder (one holding a case.json), so new cases are picked up without code changes.</summary>
    public static IEnumerable<string> Names() =>
        Directory.GetDirectories(Folder).Where(d => File.Exists(Path.Combine(d, "case.json")))
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var name in Names()) data.Add(name);
        return data;
    }

    public string Name { get; }
    public string Path_ { get; }
    public double NoiseSigma255 { get; }
    public double NoiseSigma { get; }
    public double Alpha { get; }
    public long NoiseSeed { get; }
    public int[][] WindowIndices { get; }

    public FastDvdNetGoldenCase(string name)
    {
        Name = name;
        Path_ = Path.Combine(Folder, name);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Path_, "case.json")));
        var root = json.RootElement;
        NoiseSigma255 = root.GetProperty("noise_sigma_255").GetDouble();
        NoiseSigma = root.GetProperty("noise_sigma").GetDouble();
        Alpha = root.GetProperty("alpha").GetDouble();
        NoiseSeed = root.GetProperty("torch_noise_seed").GetInt64();
        WindowIndices = root.GetProperty("input_frame_indices_per_output_frame").EnumerateArray()
            .Select(a => a.EnumerateArray().Select(i => i.GetInt32()).ToArray()).ToArray();
    }

    /// <summary>A tensor of tensors.safetensors, on the CPU.</summary>
    public Tensor Tensor(string name)
    {
        using var file = SafetensorsFile.Open(Path.Combine(Path_, "tensors.safetensors"));
        return file.Load(name);
    }

    /// <summary>The PNGs of a sub-folder, sorted by name, as uint8 [N,3,H,W].</summary>
    public Tensor Frames(string subfolder)
    {
        var files = Directory.GetFiles(Path.Combine(Path_, subfolder), "*.png").Order(StringComparer.Ordinal).ToArray();
        Assert.True(files.Length > 0, $"{Name}: no PNGs in {subfolder}");
        return stack(files.Select(ReadRgb).ToArray());
    }

    private static Tensor ReadRgb(string path)
    {
        using var encoded = SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path}: not a readable PNG");
        using var bitmap = new SKBitmap(new SKImageInfo(encoded.Width, encoded.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Assert.True(encoded.CopyTo(bitmap, SKColorType.Rgba8888), $"{path}: cannot convert to RGBA8888");
        var rgba = bitmap.Bytes;
        return tensor(rgba, [encoded.Height, encoded.Width, 4]).narrow(2, 0, 3).permute(2, 0, 1).contiguous();
    }
}
