using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>A text tower a LoRA may change, with how its layers are named.</summary>
public sealed record LoraTextTower(ClipTextModel Model, LoraTowerNaming Naming)
{
    /// <summary>
    /// The towers of a model in the order it holds them: one tower is SD1.x's CLIP (SD2.x's OpenCLIP when
    /// <paramref name="singleIsOpenClip"/>), two are SDXL's CLIP-L and OpenCLIP bigG.
    /// </summary>
    public static IReadOnlyList<LoraTextTower> For(IReadOnlyList<ClipTextModel> towers, bool singleIsOpenClip = false) => towers.Count switch
    {
        0 => [],
        1 => [new LoraTextTower(towers[0], singleIsOpenClip ? LoraTowerNaming.Sd2 : LoraTowerNaming.Sd1)],
        2 => [new LoraTextTower(towers[0], LoraTowerNaming.SdxlClipL), new LoraTextTower(towers[1], LoraTowerNaming.SdxlBigG)],
        _ => throw new ArgumentException($"a model has one text tower (SD1.x/2.x) or two (SDXL), not {towers.Count}", nameof(towers)),
    };
}
