using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// A LoRA applied to every frame of a job, written like the inside of a prompt tag: <c>name[:te[:unet[:dyn]]]</c>
/// (<c>"detail:0.8"</c> is <c>&lt;lora:detail:0.8&gt;</c>). Prompt tags add to these.
/// </summary>
public static class LoraSpec
{
    public static LoraTag Parse(string text)
    {
        try
        {
            var tags = LoraTag.From([new ExtraNetworkTag("lora", text.Split(':'))]);
            return tags[0];
        }
        catch (PromptSyntaxException e)
        {
            throw new JobException($"loras: '{text}': {e.Message} (expected name[:multiplier], e.g. detail:0.8)", e);
        }
    }
}
