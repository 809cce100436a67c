namespace VideoLoopback.Diffusion.Checkpoints.Pickles;

/// <summary>
/// The whitelist of globals a checkpoint's pickle may name. Tensor rebuilders, storage classes and OrderedDict get our own
/// stand-ins; the bystanders found in real checkpoints (Lightning callbacks and hyper-parameters, numpy scalars, argparse
/// namespaces, torch dtypes) become <see cref="InertObject"/>s that are skipped; every other name (os.system,
/// builtins.eval, a model class) stops the read before anything of it could run.
/// </summary>
internal static class PickleGlobals
{
    private static readonly string[] InertModulePrefixes = ["pytorch_lightning", "lightning", "omegaconf", "numpy", "argparse", "_codecs"];

    private static readonly HashSet<string> InertNames = new(StringComparer.Ordinal)
    {
        "builtins.set", "builtins.frozenset", "builtins.slice", "builtins.range", "builtins.complex", "builtins.bytearray",
        "builtins.bytes", "builtins.object", "__builtin__.set", "__builtin__.frozenset", "__builtin__.object",
        "collections.defaultdict", "collections.deque", "collections.Counter", "copyreg._reconstructor", "copy_reg._reconstructor",
        "torch.Size", "torch.device", "torch.Tensor", "torch.dtype", "torch.nn.parameter.Parameter",
        "torch.float16", "torch.half", "torch.bfloat16", "torch.float32", "torch.float", "torch.float64", "torch.double",
        "torch.int64", "torch.long", "torch.int32", "torch.int", "torch.int16", "torch.int8", "torch.uint8", "torch.bool",
    };

    private static readonly Dictionary<string, PickleCallable> Callables = new PickleCallable[]
    {
        new("torch._utils._rebuild_tensor_v2", args => RebuildTensor(args, 6)),
        new("torch._utils._rebuild_tensor", args => RebuildTensor(args, 4)),
        new("torch._utils._rebuild_parameter", args => Argument(args, 0, 3)),
        new("torch._utils._rebuild_parameter_with_state", args => Argument(args, 0, 4)),
        new("torch._tensor._rebuild_from_type_v2", RebuildFromType),
        new("collections.OrderedDict", NewDict),
    }.ToDictionary(c => c.Name, StringComparer.Ordinal);

    /// <summary>What <c>module.name</c> is to this reader; throws <see cref="PickleException"/> for anything not whitelisted.</summary>
    public static object Resolve(string module, string name)
    {
        var full = module + "." + name;
        if (Callables.TryGetValue(full, out var callable)) return callable;
        if (module == "torch" && TorchStorageType.IsStorageName(name))
            return TorchStorageType.Find(name) ?? throw new PickleException($"tensors of storage type torch.{name} are not supported");
        if (InertNames.Contains(full) || InertModulePrefixes.Any(p => module == p || module.StartsWith(p + ".", StringComparison.Ordinal)))
            return new InertObject(full);
        if (module == "torch._utils" && name.StartsWith("_rebuild_", StringComparison.Ordinal))
            throw new PickleException($"holds a kind of tensor this reader does not support ({full}: quantized, sparse or numpy-backed)");
        throw new PickleException($"the pickle refers to '{full}', which a state dict does not need; the file was not read " +
            "(nothing from it runs). Save the model's state_dict() instead, or convert the file to .safetensors");
    }

    private static object? Argument(object?[] args, int index, int count) =>
        args.Length >= count ? args[index] : throw new PickleException($"malformed pickle: a rebuild call with {args.Length} arguments");

    private static PickledTensor RebuildTensor(object?[] args, int count)
    {
        if (args.Length < count || args[0] is not PickledStorage storage)
            throw new PickleException($"malformed pickle: a tensor rebuilt from {(args.Length > 0 ? PickleMachine.Describe(args[0]) : "nothing")} " +
                $"with {args.Length} arguments");
        var shape = Integers(args[2], "size");
        var strides = Integers(args[3], "stride");
        if (shape.Length != strides.Length)
            throw new PickleException($"malformed pickle: size [{string.Join(",", shape)}] and stride [{string.Join(",", strides)}] differ in rank");
        return new PickledTensor(storage, args[1] is long offset ? offset : throw new PickleException("malformed pickle: storage offset is not an integer"),
            shape, strides);
    }

    private static long[] Integers(object? value, string what)
    {
        var items = value as object?[] ?? (value as List<object?>)?.ToArray()
            ?? throw new PickleException($"malformed pickle: tensor {what} is a {PickleMachine.Describe(value)}, not a tuple");
        if (items.Length > 64) throw new PickleException($"malformed pickle: tensor {what} has {items.Length} dimensions");
        return items.Select(i => i is long n ? n : throw new PickleException($"malformed pickle: tensor {what} holds a {PickleMachine.Describe(i)}")).ToArray();
    }

    private static object? RebuildFromType(object?[] args)
    {
        if (args.Length < 3 || args[0] is not PickleCallable rebuild || args[2] is not object?[] inner)
            throw new PickleException("malformed pickle: _rebuild_from_type_v2 without a rebuild function and its arguments");
        return rebuild.Invoke(inner);
    }

    private static PickleDict NewDict(object?[] args)
    {
        var dict = new PickleDict();
        if (args.Length > 0 && args[0] is List<object?> pairs)
            foreach (var pair in pairs)
                if (pair is object?[] { Length: 2 } kv) dict.Set(kv[0], kv[1]);
                else if (pair is List<object?> { Count: 2 } kl) dict.Set(kl[0], kl[1]);
        return dict;
    }
}
