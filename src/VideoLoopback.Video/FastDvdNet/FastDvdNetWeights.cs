using TorchSharp;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using static TorchSharp.torch;

namespace VideoLoopback.Video.FastDvdNet;

/// <summary>
/// Finds and reads the FastDVDNet weights: the released <c>model.pth</c> (a DataParallel state dict, keys prefixed
/// <c>module.</c>, in PyTorch's legacy pre-1.6 format, read as it is) or a <c>.safetensors</c> file with the same keys
/// (the prefix may also be absent).
/// </summary>
public static class FastDvdNetWeights
{
    /// <summary>Where the weights are looked for when no path is given, relative to the working directory.</summary>
    public static readonly IReadOnlyList<string> DefaultLocations =
        [Path.Combine("weights", "fastdvdnet", "model.pth"), Path.Combine("weights", "fastdvdnet", "model.safetensors")];

    private const string HowToGetThem =
        "download the released model.pth with scripts/fetch-fastdvdnet.sh or put it at weights/fastdvdnet/model.pth (see weights/README.md, FastDVDNet)";

    /// <summary>
    /// The weights file to use: <paramref name="path"/> when given, else the first of <see cref="DefaultLocations"/>
    /// that exists. Throws <see cref="FastDvdNetWeightsException"/> with a one-line message saying where to put them.
    /// </summary>
    public static string Locate(string? path = null)
    {
        if (!string.IsNullOrWhiteSpace(path))
        {
            if (!File.Exists(path))
                throw new FastDvdNetWeightsException($"FastDVDNet weights '{path}' not found: {HowToGetThem}.");
            CheckExtension(path);
            return Path.GetFullPath(path);
        }
        foreach (var candidate in DefaultLocations)
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        throw new FastDvdNetWeightsException(
            $"FastDVDNet weights not found (looked for {string.Join(" and ", DefaultLocations)} in {Environment.CurrentDirectory}): {HowToGetThem}.");
    }

    /// <summary>
    /// Job validation: locates the file and checks that it holds every tensor of the network with the right
    /// shape, without keeping anything. Returns the full path.
    /// </summary>
    public static string Validate(string? path = null)
    {
        var located = Locate(path);
        using var model = new FastDvdNetModel(ModuleDevice.Meta);
        using var file = Open(located);
        CheckKeys(model, file);
        return located;
    }

    /// <summary>Builds the network on <paramref name="device"/>, in eval mode, with the weights at <paramref name="path"/>.</summary>
    public static FastDvdNetModel Load(string path, Device device)
    {
        var model = StateDictBinding.Bound(new FastDvdNetModel(new ModuleDevice(device, ScalarType.Float32)), m => LoadInto(m, path));
        model.eval();
        return model;
    }

    /// <summary>
    /// Binds the tensors of <paramref name="path"/> to <paramref name="model"/> by name through the key map (the <c>module.</c>
    /// prefix of the released file, or none), checking names and shapes.
    /// </summary>
    public static void LoadInto(FastDvdNetModel model, string path)
    {
        using var file = Open(path);
        file.Bind(model, CheckKeys(model, file), "FastDVDNet");
    }

    /// <summary>
    /// The prefix of the file's keys, after checking that they are the network's state dict and nothing else: every tensor
    /// present with its shape (a missing or misshapen one is named with its key), no others but BatchNorm's batch counters.
    /// </summary>
    private static string CheckKeys(FastDvdNetModel model, StateDictFile file)
    {
        var index = new CheckpointTensorIndex(file.Tensors);
        var prefix = FastDvdNetKeys.FindPrefix(index) ?? FastDvdNetKeys.DataParallelPrefix;
        var problems = StateDictBinding.Differences(model, index.All.ToDictionary(t => t.Name, t => t.Shape), prefix);
        if (problems.Count > 0)
            throw new FastDvdNetWeightsException($"{file.Path}: not the FastDVDNet state dict: {string.Join("; ", problems.Take(4))} ({HowToGetThem}).");
        var bound = StateDictBinding.BoundTensors(model).Select(t => prefix + t.Name).ToHashSet();
        var extra = index.Names.Where(n => !bound.Contains(n) && !ToleratedKeys.IsTolerated(n)).ToList();
        if (extra.Count > 0)
            throw new FastDvdNetWeightsException(
                $"{file.Path}: {extra.Count} unexpected tensor(s), e.g. '{extra[0]}'; expected the FastDVDNet state dict only.");
        return prefix;
    }

    /// <summary>Opens the weights (a .pth/.pt pickle or a .safetensors file); read errors become <see cref="FastDvdNetWeightsException"/>.</summary>
    private static StateDictFile Open(string path)
    {
        CheckExtension(path);
        try
        {
            return StateDictFile.Open(path);
        }
        catch (SafetensorsException e)
        {
            throw new FastDvdNetWeightsException(e.Message, e);
        }
        catch (InvalidDataException e)
        {
            throw new FastDvdNetWeightsException(e.Message + ".", e);
        }
    }

    private static void CheckExtension(string path)
    {
        if (Path.GetExtension(path).ToLowerInvariant() is not (".pth" or ".pt" or ".safetensors"))
            throw new FastDvdNetWeightsException($"FastDVDNet weights '{path}': expected a .pth (PyTorch) or .safetensors file.");
    }
}
