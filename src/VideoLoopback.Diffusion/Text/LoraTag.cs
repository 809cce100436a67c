namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// A LoRA request from a prompt, "&lt;lora:name[:te][:unet][:dyn]&gt;" or with named "te=", "unet=", "dyn="
/// items, read as WebUI's Lora extension reads it: the UNet multiplier defaults to the text-encoder one.
/// </summary>
public sealed record LoraTag(string Name, double TextEncoderMultiplier, double UnetMultiplier, int? DynamicDimension)
{
    /// <summary>The LoRA tags ("lora", or the older "lyco") among <paramref name="tags"/>, in order.</summary>
    public static List<LoraTag> From(IEnumerable<ExtraNetworkTag> tags) =>
        tags.Where(t => t.Network is "lora" or "lyco").Select(FromTag).ToList();

    private static LoraTag FromTag(ExtraNetworkTag tag)
    {
        var positional = tag.Positional;
        var named = tag.Named;
        string Describe() => $"<{tag.Network}:{string.Join(":", tag.Items)}>";
        if (positional.Count == 0 || positional[0].Length == 0)
            throw new PromptSyntaxException($"{Describe()}: the LoRA name is missing");

        double Number(string text, string what) =>
            PythonFloat.TryParse(text, out double value) ? value : throw new PromptSyntaxException($"{Describe()}: {what} '{text}' is not a number");

        double te = positional.Count > 1 ? Number(positional[1], "text-encoder multiplier") : 1.0;
        if (named.TryGetValue("te", out var teText)) te = Number(teText, "te");
        double unet = positional.Count > 2 ? Number(positional[2], "UNet multiplier") : te;
        if (named.TryGetValue("unet", out var unetText)) unet = Number(unetText, "unet");
        int? dyn = null;
        string? dynText = positional.Count > 3 ? positional[3] : null;
        if (named.TryGetValue("dyn", out var namedDyn)) dynText = namedDyn;
        if (dynText is not null)
            dyn = int.TryParse(dynText, out int d) ? d : throw new PromptSyntaxException($"{Describe()}: dyn '{dynText}' is not an integer");
        return new LoraTag(positional[0], te, unet, dyn);
    }
}
