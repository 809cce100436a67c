using TorchSharp;
using VideoLoopback.Diffusion.Checkpoints;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// Binds a network's state to the tensors of a state dict by name: <c>prefix + name</c>. The state is every parameter
/// and every buffer a state dict carries values for (BatchNorm's running statistics; not its batch counter). Every
/// such tensor must be present with its exact shape, and every key under the prefix must be used, so a checkpoint of
/// another architecture fails with one message naming the keys. Networks are built first (in their dtype, on their
/// device), then bound: the same way for every network, whatever its file.
/// </summary>
public static class StateDictBinding
{
    /// <summary>The tensors a state dict fills, by name: parameters, then value buffers (BatchNorm running mean and variance).</summary>
    public static IEnumerable<(string Name, Tensor Tensor)> BoundTensors(nn.Module network) =>
        network.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
            .Concat(network.named_buffers().Where(b => !b.name.EndsWith("num_batches_tracked", StringComparison.Ordinal)));

    /// <summary>
    /// Missing keys, keys the network does not have, and shape mismatches between a network and a key list.
    /// "Unexpected" covers the keys under the prefix whose first name part is one of the network's own children,
    /// so other content of the same file (schedule buffers, EMA copies, a standalone VAE's loss.*) is tolerated,
    /// as are the extras <see cref="ToleratedKeys"/> names (CLIP's position_ids, BatchNorm counters).
    /// </summary>
    public static IReadOnlyList<string> Differences(nn.Module network, IReadOnlyDictionary<string, long[]> shapes, string prefix)
    {
        var problems = new List<string>();
        var used = new HashSet<string>();
        foreach (var (name, tensor) in BoundTensors(network))
        {
            var key = prefix + name;
            if (!shapes.TryGetValue(key, out var shape)) { problems.Add($"missing '{key}' [{string.Join(",", tensor.shape)}]"); continue; }
            used.Add(key);
            if (!shape.SequenceEqual(tensor.shape))
                problems.Add($"'{key}' is [{string.Join(",", shape)}], expected [{string.Join(",", tensor.shape)}]");
        }
        var children = network.named_children().Select(c => c.name + ".").ToArray();
        foreach (var key in shapes.Keys)
            if (key.StartsWith(prefix, StringComparison.Ordinal) && !used.Contains(key) && !ToleratedKeys.IsTolerated(key)
                && children.Any(c => key.AsSpan(prefix.Length).StartsWith(c, StringComparison.Ordinal)))
                problems.Add($"unexpected '{key}'");
        return problems;
    }

    /// <summary>The name -> shape map of a file's tensors.</summary>
    public static Dictionary<string, long[]> Shapes(StateDictFile file) => file.Shapes();

    /// <summary>
    /// Reads <c>file[prefix + name]</c> into every bound tensor of <paramref name="network"/>, straight into the tensor's
    /// memory (converted to its dtype on its device chunk by chunk), one tensor at a time (safetensors or PyTorch pickle).
    /// Throws naming the file and the offending keys when the layouts differ.
    /// </summary>
    public static void Load(nn.Module network, StateDictFile file, string prefix, string what) =>
        Bind(network, file.Shapes(), file.Path, prefix, what, (key, tensor) => file.LoadInto(key, tensor));

    /// <summary>As <see cref="Load(nn.Module, StateDictFile, string, string)"/>, from tensors already in memory.</summary>
    public static void Load(nn.Module network, IReadOnlyDictionary<string, Tensor> tensors, string source, string prefix, string what) =>
        Bind(network, tensors.ToDictionary(t => t.Key, t => t.Value.shape), source, prefix, what,
            (key, tensor) => tensor.copy_(tensors[key]));

    /// <summary>Runs <paramref name="bind"/> on a newly built <paramref name="network"/>; disposes it when binding fails.</summary>
    public static T Bound<T>(T network, Action<T> bind) where T : nn.Module
    {
        try
        {
            bind(network);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Binds through <paramref name="fill"/>(key, tensor): fills a bound tensor from the key of <paramref name="shapes"/>.</summary>
    internal static void Bind(nn.Module network, IReadOnlyDictionary<string, long[]> shapes, string source, string prefix, string what,
        Action<string, Tensor> fill)
    {
        var problems = Differences(network, shapes, prefix);
        if (problems.Count > 0)
            throw new InvalidDataException($"{source}: the {what} weights do not match the detected architecture: " +
                string.Join("; ", problems.Take(8)) + (problems.Count > 8 ? $"; and {problems.Count - 8} more" : ""));
        using var noGrad = no_grad();
        foreach (var (name, tensor) in BoundTensors(network)) fill(prefix + name, tensor);
    }
}
