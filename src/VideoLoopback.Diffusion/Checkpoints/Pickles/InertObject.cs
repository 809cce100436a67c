namespace VideoLoopback.Diffusion.Checkpoints.Pickles;

/// <summary>
/// What a whitelisted bystander global (a Lightning callback, a numpy scalar, an argparse namespace) and anything built
/// from it become: a name and nothing else. Nothing of it is ever called; state-dict readers skip it.
/// </summary>
internal sealed record InertObject(string What);
