using TorchSharp;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Safetensors;
using static TorchSharp.torch;

namespace VideoLoopback.Video.FastDvdNet;

/// <summary>
/// Finds and reads the FastDVDNet weights: the released <c>model.pth</c> (a PyTorch pickle of a
/// DataParallel state dict, keys prefixed <c>module.</c>) or a <c>.safetensors</c> file with the same keys
/// (the prefix may also be absent).
/// </summary>
public static class FastDvdNetWeights
{
    /// <summary>Where the weights are looked for when no path is given, relative to the working directory.</summary>
    public static readonly IReadOnlyList<string> DefaultLocations =
        [Path.Combine("weights", "fastdvdnet", "model.pth"), Path.Combine("weights", "fastdvdnet", "model.safetensors")];

    private const string DataParallelPrefix = "module.";
    private const string BatchCounterSuffix = "num_batches_tracked";
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
        using var model = new FastDvdNetModel();
        LoadInto(model, located);
        return located;
    }

    /// <summary>Builds the network on <paramref name="device"/>, in eval mode, with the weights at <paramref name="path"/>.</summary>
    public static FastDvdNetModel Load(string path, Device device)
    {
        var model = new FastDvdNetModel();
        try
        {
            LoadInto(model, path);
            model.to(device);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Copies the tensors of <paramref name="path"/> into <paramref name="model"/>, checking names and shapes.</summary>
    public static void LoadInto(FastDvdNetModel model, string path)
    {
        CheckExtension(path);
        var tensors = ReadStateDict(path);
        try
        {
            var byName = new Dictionary<string, Tensor>();
            foreach (var (key, tensor) in tensors)
            {
                var name = key.StartsWith(DataParallelPrefix, StringComparison.Ordinal) ? key[DataParallelPrefix.Length..] : key;
                if (!name.EndsWith(BatchCounterSuffix, StringComparison.Ordinal)) byName[name] = tensor;
            }

            using var noGrad = no_grad();
            var expected = model.state_dict().Where(p => !p.Key.EndsWith(BatchCounterSuffix, StringComparison.Ordinal)).ToList();
            foreach (var (name, target) in expected)
            {
                if (!byName.Remove(name, out var source))
                    throw new FastDvdNetWeightsException($"{path}: tensor '{DataParallelPrefix}{name}' is missing; expected the FastDVDNet state dict ({HowToGetThem}).");
                if (!source.shape.SequenceEqual(target.shape))
                    throw new FastDvdNetWeightsException(
                        $"{path}: tensor '{DataParallelPrefix}{name}' has shape [{string.Join(",", source.shape)}], expected [{string.Join(",", target.shape)}].");
                target.copy_(source);
            }
            if (byName.Count > 0)
                throw new FastDvdNetWeightsException(
                    $"{path}: {byName.Count} unexpected tensor(s), e.g. '{byName.Keys.First()}'; expected the FastDVDNet state dict only.");
        }
        finally
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
        }
    }

    private static void CheckExtension(string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".pth" or ".pt" or ".safetensors"))
            throw new FastDvdNetWeightsException($"FastDVDNet weights '{path}': expected a .pth (PyTorch) or .safetensors file.");
    }

    private static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        if (Path.GetExtension(path).Equals(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                using var file = SafetensorsFile.Open(path);
                return file.LoadAll(dtype: null, device: CPU);
            }
            catch (SafetensorsException e)
            {
                throw new FastDvdNetWeightsException(e.Message, e);
            }
        }
        return ReadPickledStateDict(path);
    }

    private static Dictionary<string, Tensor> ReadPickledStateDict(string path)
    {
        try
        {
            return PickledStateDict.Read(path);
        }
        catch (InvalidDataException e)
        {
            throw new FastDvdNetWeightsException(e.Message + ".", e);
        }
    }
}
