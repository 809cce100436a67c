using TorchSharp;
using VideoLoopback.Diffusion.Safetensors;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// Binds a network's parameters to the tensors of a state dict by name: <c>prefix + parameter name</c>.
/// Every parameter must be present with its exact shape, and every key under the prefix must be used,
/// so a checkpoint of another architecture fails with one message naming the keys.
/// </summary>
public static class StateDictBinding
{
    /// <summary>
    /// Missing keys, keys the network does not have, and shape mismatches between a network and a key list.
    /// "Unexpected" covers the keys under the prefix whose first name part is one of the network's own children,
    /// so other content of the same file (schedule buffers, EMA copies, a standalone VAE's loss.*) is tolerated.
    /// </summary>
    public static IReadOnlyList<string> Differences(nn.Module network, IReadOnlyDictionary<string, long[]> shapes, string prefix)
    {
        var problems = new List<string>();
        var used = new HashSet<string>();
        foreach (var (name, parameter) in network.named_parameters())
        {
            var key = prefix + name;
            if (!shapes.TryGetValue(key, out var shape)) { problems.Add($"missing '{key}' [{string.Join(",", parameter.shape)}]"); continue; }
            used.Add(key);
            if (!shape.SequenceEqual(parameter.shape))
                problems.Add($"'{key}' is [{string.Join(",", shape)}], expected [{string.Join(",", parameter.shape)}]");
        }
        var children = network.named_children().Select(c => c.name + ".").ToArray();
        foreach (var key in shapes.Keys)
            if (key.StartsWith(prefix, StringComparison.Ordinal) && !used.Contains(key)
                && children.Any(c => key.AsSpan(prefix.Length).StartsWith(c, StringComparison.Ordinal)))
                problems.Add($"unexpected '{key}'");
        return problems;
    }

    /// <summary>The name -> shape map of a file's entries.</summary>
    public static Dictionary<string, long[]> Shapes(SafetensorsFile file) =>
        file.Entries.ToDictionary(e => e.Name, e => e.Shape.ToArray());

    /// <summary>
    /// Copies <c>file[prefix + name]</c> into every parameter of <paramref name="network"/>, converting to the parameter's
    /// dtype on its device, one tensor at a time. Throws naming the file and the offending keys when the layouts differ.
    /// </summary>
    public static void Load(nn.Module network, SafetensorsFile file, string prefix, string what)
    {
        var problems = Differences(network, Shapes(file), prefix);
        if (problems.Count > 0)
            throw new InvalidDataException($"{file.FilePath}: the {what} weights do not match the detected architecture: " +
                string.Join("; ", problems.Take(8)) + (problems.Count > 8 ? $"; and {problems.Count - 8} more" : ""));
        using var noGrad = no_grad();
        foreach (var (name, parameter) in network.named_parameters())
        {
            using var value = file.Load(prefix + name, parameter.dtype, parameter.device);
            parameter.copy_(value);
        }
    }

    /// <summary>As <see cref="Load(nn.Module, SafetensorsFile, string, string)"/>, from tensors already in memory (a pickled state dict).</summary>
    public static void Load(nn.Module network, IReadOnlyDictionary<string, Tensor> tensors, string source, string prefix, string what)
    {
        var problems = Differences(network, tensors.ToDictionary(t => t.Key, t => t.Value.shape), prefix);
        if (problems.Count > 0)
            throw new InvalidDataException($"{source}: the {what} weights do not match the detected architecture: " +
                string.Join("; ", problems.Take(8)) + (problems.Count > 8 ? $"; and {problems.Count - 8} more" : ""));
        using var noGrad = no_grad();
        foreach (var (name, parameter) in network.named_parameters())
            parameter.copy_(tensors[prefix + name].to(parameter.dtype, parameter.device));
    }
}
