namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// Tells what a model file is from its key names and shapes alone (no tensor data is read), so it works
/// on a safetensors header or on a key manifest just the same.
/// </summary>
public static class CheckpointInspector
{
    private const string ControlPrefix = "control_model.";
    private static readonly ModelFamily Sd1 = CheckpointFamilies.StableDiffusion1;

    /// <summary>Inspects a model file's tensor list (no data is read); <paramref name="detectors"/> add layouts defined elsewhere.</summary>
    public static CheckpointInfo Inspect(StateDictFile file, IReadOnlyList<CheckpointDetector>? detectors = null) =>
        Inspect(file.Path, file.Tensors, detectors);

    /// <summary>
    /// Inspects any list of (name, shape, dtype); <paramref name="source"/> names it in messages. After the LoRA check, each of
    /// <paramref name="detectors"/> is asked in turn before the layouts this assembly knows.
    /// </summary>
    public static CheckpointInfo Inspect(string source, IEnumerable<TensorDescriptor> tensors, IReadOnlyList<CheckpointDetector>? detectors = null)
    {
        var index = new CheckpointTensorIndex(tensors);
        var report = new Report(source, index);

        if (index.Names.Any(IsKohyaLoraKey)) return InspectLora(report);
        foreach (var detector in detectors ?? [])
            if (detector.Detect(index) is { } parts)
            {
                foreach (var part in parts) report.Component(part.Name, part.KeyPrefix, part.ExpectedKeys);
                return report.Build(detector.Family, detector.Family.Description);
            }
        if (index.HasPrefix(ControlPrefix)
            || (index.Has("input_hint_block.0.weight") && index.HasPrefix("zero_convs."))
            || index.Has("controlnet_cond_embedding.conv_in.weight"))
            return InspectControlNet(report);
        if (CheckpointFamilies.Recognise(index) is { } family) return InspectStableDiffusion(report, family);
        if (LdmVaeKeys.IsPresent(index, "") || LdmVaeKeys.IsPresent(index, Sd1.VaePrefix))
        {
            var prefix = LdmVaeKeys.IsPresent(index, "") ? "" : Sd1.VaePrefix;
            report.Component("vae", prefix, LdmVaeKeys.Expected(index, prefix));
            return report.Build(CheckpointFamily.Vae, CheckpointFamily.Vae.Description);
        }
        if (index.Has("encoder.down_blocks.0.resnets.0.conv1.weight") && index.HasPrefix("decoder.up_blocks."))
        {
            report.Component("vae", "", null);
            report.Unsupported = "diffusers-layout VAE; convert it to the LDM layout (e.g. vae-ft-mse-840000-ema-pruned.safetensors)";
            return report.Build(CheckpointFamily.Vae, "standalone VAE (diffusers layout)");
        }

        report.Component("other", "", null);
        var first = string.Join(", ", index.Names.Take(3));
        var expected = CheckpointFamilies.ExpectedLayouts.Concat((detectors ?? []).Select(d => d.ExpectedLayout)).ToList();
        return report.Build(CheckpointFamily.Unknown,
            $"not a recognised model file ({index.Count} tensors{(first.Length > 0 ? ", e.g. " + first : "")}); " +
            $"expected {string.Join(", ", expected.SkipLast(1))} or {expected[^1]}");
    }

    /// <summary>A checkpoint (or UNet-only file) of <paramref name="family"/>, its parts checked against the family's key sets.</summary>
    private static CheckpointInfo InspectStableDiffusion(Report report, ModelFamily family)
    {
        var index = report.Index;
        if (!family.KeySetsKnown)
        {
            report.Component("unet", family.UnetPrefix, null);
            report.Component("vae", family.VaePrefix, null);
            foreach (var text in family.TextEncoders) report.Component(text.Component, text.KeyPrefix, null);
            report.Unsupported = family.Unsupported;
            return report.Build(family.Family, family.Family.Description);
        }

        var unet = LdmUNetKeys.Infer(index, family.UnetPrefix);
        report.UNet(unet);
        report.Component("unet", family.UnetPrefix, unet is null ? null : LdmUNetKeys.Expected(index, family.UnetPrefix, unet, controlNet: false));
        if (unet is null) report.Notes.Add("UNet block structure not recognised; its keys were not checked one by one");

        bool hasVae = index.HasPrefix(family.VaePrefix);
        bool hasText = index.HasPrefix(family.TextPrefix);
        if (hasVae)
            report.Component("vae", family.VaePrefix, LdmVaeKeys.IsPresent(index, family.VaePrefix) ? LdmVaeKeys.Expected(index, family.VaePrefix) : null);
        if (hasText) AddTextEncoders(report, family);

        if (!hasVae && !hasText)
        {
            report.Unsupported = family.UnetOnlyUnsupported
                ?? (unet is { InChannels: not (4 or 9) } ? $"UNet with {unet.InChannels} input channels" : null);
            return report.Build(CheckpointFamily.UNet, CheckpointFamily.UNet.Description);
        }

        // Every checkpoint of these families has all three parts; one missing is a broken or partial file.
        if (!hasVae) report.Missing.Add(family.VaePrefix + "* (the whole VAE)");
        if (!hasText) report.Missing.Add(family.TextPrefix + "* (the whole text encoder)");

        report.Notes.AddRange(family.Notes);
        bool inpainting = unet?.InChannels == 9;
        if (family.Unsupported is { } why) report.Unsupported = why;
        else if (!inpainting && unet is { InChannels: not 4 })
            report.Unsupported = unet.InChannels == 8 ? "UNet with 8 input channels (instruct-pix2pix)" : $"UNet with {unet.InChannels} input channels";
        return inpainting
            ? report.Build(family.InpaintingFamily, family.InpaintingDescription)
            : report.Build(family.Family, family.Family.Description);
    }

    /// <summary>The family's text encoders, each checked key by key where its tower is found.</summary>
    private static void AddTextEncoders(Report report, ModelFamily family)
    {
        foreach (var text in family.TextEncoders)
            report.Component(text.Component, text.KeyPrefix, text.FindTower(report.Index) is { } tower ? text.Keys!.Expected(report.Index, tower) : null);
    }

    private static CheckpointInfo InspectControlNet(Report report)
    {
        var index = report.Index;
        if (index.Has("controlnet_cond_embedding.conv_in.weight"))
        {
            report.Component("controlnet", "", null);
            report.Unsupported = "diffusers-layout ControlNet; use the LDM release file (control_*.safetensors / .pth)";
            return report.Build(CheckpointFamily.ControlNet, "ControlNet (diffusers layout)", ControlNetLayout.Diffusers);
        }

        bool prefixed = index.HasPrefix(ControlPrefix);
        var prefix = prefixed ? ControlPrefix : "";
        var layout = !prefixed ? ControlNetLayout.PrefixLess
            : index.HasPrefix(Sd1.UnetPrefix) ? ControlNetLayout.WithStableDiffusionCheckpoint
            : ControlNetLayout.ControlModelPrefix;

        var structure = LdmUNetKeys.Infer(index, prefix, hasOutputBlocks: false);
        report.UNet(structure);
        if (prefixed)
            report.Component("controlnet", prefix,
                structure is null ? null : LdmUNetKeys.Expected(index, prefix, structure, controlNet: true));
        else
        {
            // Without a prefix the control model's keys are recognised by their top-level block names.
            var expected = structure is null ? null : LdmUNetKeys.Expected(index, "", structure, controlNet: true);
            foreach (var block in new[] { "time_embed.", "input_blocks.", "middle_block.", "middle_block_out.", "zero_convs.", "input_hint_block." })
                report.Component("controlnet", block, expected);
        }
        if (structure is null) report.Notes.Add("ControlNet block structure not recognised; its keys were not checked one by one");

        string description = layout switch
        {
            ControlNetLayout.ControlModelPrefix => "ControlNet (1.1 release layout, control_model.*)",
            ControlNetLayout.WithStableDiffusionCheckpoint => "ControlNet (1.0 release layout, with a whole SD checkpoint)",
            _ => "ControlNet (prefix-less layout)",
        };
        if (layout == ControlNetLayout.WithStableDiffusionCheckpoint)
        {
            // The checkpoint inside is not used for control but still reported, part by part.
            var unet = LdmUNetKeys.Infer(index, Sd1.UnetPrefix);
            report.Component("unet", Sd1.UnetPrefix, unet is null ? null : LdmUNetKeys.Expected(index, Sd1.UnetPrefix, unet, controlNet: false));
            if (index.HasPrefix(Sd1.VaePrefix))
                report.Component("vae", Sd1.VaePrefix, LdmVaeKeys.IsPresent(index, Sd1.VaePrefix) ? LdmVaeKeys.Expected(index, Sd1.VaePrefix) : null);
            foreach (var text in Sd1.TextEncoders)
                if (text.FindTower(index) is { } tower) report.Component(text.Component, text.KeyPrefix, text.Keys!.Expected(index, tower));
        }
        if (structure is { AdmInChannels: > 0 })
            report.Notes.Add("SDXL ControlNet (label_emb): for an SDXL UNet");
        else if (report.ContextDim is not null and not 768)
            report.Notes.Add($"context width {report.ContextDim} (SD1.x uses 768)");
        return report.Build(CheckpointFamily.ControlNet, description, layout);
    }

    private static bool IsKohyaLoraKey(string name) =>
        name.StartsWith("lora_unet_", StringComparison.Ordinal) || name.StartsWith("lora_te_", StringComparison.Ordinal)
        || name.StartsWith("lora_te1_", StringComparison.Ordinal) || name.StartsWith("lora_te2_", StringComparison.Ordinal);

    private static CheckpointInfo InspectLora(Report report)
    {
        var index = report.Index;
        var expected = new HashSet<string>(StringComparer.Ordinal);
        var modules = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var lycoris = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in index.Names.Where(IsKohyaLoraKey))
        {
            int dot = name.IndexOf('.');
            if (dot < 0) continue;
            var module = name[..dot];
            var part = name[(dot + 1)..];
            if (part is "lora_down.weight" or "lora_up.weight" or "alpha")
            {
                if (!modules.TryGetValue(module, out var parts)) modules[module] = parts = [];
                parts.Add(part);
            }
            else if (part.StartsWith("hada_", StringComparison.Ordinal) || part.StartsWith("lokr_", StringComparison.Ordinal)
                     || part is "lora_mid.weight" or "dora_scale")
                lycoris.Add(part.Split('.')[0]);
        }
        foreach (var module in modules.Keys)
        {
            expected.Add(module + ".lora_down.weight");
            expected.Add(module + ".lora_up.weight");
            if (index.Has(module + ".alpha")) expected.Add(module + ".alpha");
        }

        bool conv = modules.Keys.Any(m => m.Contains("_resnets_", StringComparison.Ordinal)
            || m.Contains("_downsamplers_", StringComparison.Ordinal) || m.Contains("_upsamplers_", StringComparison.Ordinal)
            || index.Shape(m + ".lora_down.weight") is { Length: 4 } s && (s[2] > 1 || s[3] > 1));

        var ranks = modules.Keys.Select(m => index.Shape(m + ".lora_down.weight")).OfType<long[]>()
            .Select(s => s[0]).Distinct().Order().ToList();
        report.Notes.Add($"{modules.Count} modules, rank {string.Join("/", ranks)}");
        report.Component("lora (unet)", "lora_unet_", expected);
        report.Component("lora (text encoder)", "lora_te", expected);
        if (index.Names.Any(n => n.StartsWith("lora_te1_", StringComparison.Ordinal) || n.StartsWith("lora_te2_", StringComparison.Ordinal)))
            report.Unsupported = "SDXL LoRA (two text encoders)";
        else if (lycoris.Count > 0)
            report.Unsupported = $"LyCORIS module types ({string.Join(", ", lycoris)})";

        var family = conv ? CheckpointFamily.LoCon : CheckpointFamily.Lora;
        return report.Build(family, family.Description);
    }

    /// <summary>Collects components and key checks while a family is being examined.</summary>
    private sealed class Report(string source, CheckpointTensorIndex index)
    {
        private readonly List<(string Name, string Prefix, IReadOnlySet<string>? Expected)> _components = [];

        public CheckpointTensorIndex Index { get; } = index;
        public List<string> Notes { get; } = [];
        public List<string> Missing { get; } = [];
        public string? Unsupported { get; set; }
        public int? InChannels { get; private set; }
        public int? ContextDim { get; private set; }

        /// <summary>Adds a part: keys under <paramref name="prefix"/>, checked against <paramref name="expected"/> when known.</summary>
        public void Component(string name, string prefix, IReadOnlySet<string>? expected) => _components.Add((name, prefix, expected));

        public void UNet(LdmUNetKeys.Structure? s)
        {
            if (s is null || InChannels is not null) return;
            InChannels = s.InChannels;
            ContextDim = s.ContextDim;
            Notes.Add($"UNet: {s.InChannels} input channels, {s.ModelChannels} model channels, {s.Levels} levels, " +
                      $"{s.ResBlocksPerLevel} ResBlocks per level, context width {s.ContextDim?.ToString() ?? "?"}" +
                      (s.LinearProjections ? ", linear transformer projections" : "") +
                      (s.LevelDepths.Where((_, l) => s.AttentionAtLevel[l]).Append(s.MiddleDepth).Distinct().Count() > 1
                          ? $", transformer depths [{string.Join(",", s.LevelDepths)}] middle {s.MiddleDepth}" : "") +
                      (s.AdmInChannels > 0 ? $", label_emb over {s.AdmInChannels}" : ""));
        }

        public CheckpointInfo Build(CheckpointFamily family, string description, ControlNetLayout layout = ControlNetLayout.None)
        {
            var counts = _components.Select(c => c.Name).Distinct().ToDictionary(n => n, _ => (Tensors: 0, Parameters: 0L));
            var unexpected = new List<string>();
            var ignored = new List<string>();
            int otherTensors = 0, ignoredTensors = 0;
            long otherParameters = 0, ignoredParameters = 0;

            foreach (var t in Index.All)
            {
                if (ToleratedKeys.IsTolerated(t.Name))
                {
                    ignored.Add(t.Name);
                    ignoredTensors++;
                    ignoredParameters += t.ElementCount;
                    continue;
                }
                // The longest matching prefix decides which part a key belongs to.
                var owner = _components.Where(c => t.Name.StartsWith(c.Prefix, StringComparison.Ordinal))
                    .OrderByDescending(c => c.Prefix.Length).Select(c => ((string Name, string Prefix, IReadOnlySet<string>? Expected)?)c)
                    .FirstOrDefault();
                if (owner is not { } part || family == CheckpointFamily.Unknown)
                {
                    if (family != CheckpointFamily.Unknown) unexpected.Add(t.Name);
                    otherTensors++;
                    otherParameters += t.ElementCount;
                    continue;
                }
                if (part.Expected is not null && !part.Expected.Contains(t.Name)) unexpected.Add(t.Name);
                var (n, p) = counts[part.Name];
                counts[part.Name] = (n + 1, p + t.ElementCount);
            }

            var missing = new List<string>(Missing);
            foreach (var expected in _components.Select(c => c.Expected).OfType<IReadOnlySet<string>>().Distinct())
                missing.AddRange(expected.Where(k => !Index.Has(k)));

            var components = _components.GroupBy(c => c.Name)
                .Select(g => new CheckpointComponent(g.Key, g.Count() == 1 ? g.First().Prefix : "", counts[g.Key].Tensors, counts[g.Key].Parameters))
                .Where(c => c.Tensors > 0 || family == CheckpointFamily.Unknown)
                .ToList();
            if (otherTensors > 0 && family != CheckpointFamily.Unknown)
                components.Add(new CheckpointComponent("other", "", otherTensors, otherParameters));
            if (family == CheckpointFamily.Unknown)
                components = [new CheckpointComponent("other", "", otherTensors, otherParameters)];
            if (ignoredTensors > 0) components.Add(new CheckpointComponent("ignored", "", ignoredTensors, ignoredParameters));

            var dtypes = Index.All.GroupBy(t => t.DType).OrderBy(g => g.Key)
                .Select(g => new DTypeCount(g.Key, g.Count(), g.Sum(t => t.ElementCount))).ToList();

            return new CheckpointInfo
            {
                Source = source,
                Family = family,
                Description = description,
                ControlNetLayout = layout,
                Components = components,
                DTypes = dtypes,
                MissingKeys = missing.Distinct().Order(StringComparer.Ordinal).ToList(),
                UnexpectedKeys = unexpected.Order(StringComparer.Ordinal).ToList(),
                IgnoredKeys = ignored.Order(StringComparer.Ordinal).ToList(),
                Notes = Notes,
                UnsupportedReason = family == CheckpointFamily.Unknown ? null : Unsupported,
                UNetInChannels = InChannels,
                ContextDim = ContextDim,
            };
        }
    }
}
