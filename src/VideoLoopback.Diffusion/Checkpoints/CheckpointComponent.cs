namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>One part of a model file (UNet, VAE, text encoder, …): where its keys live and how big it is.</summary>
public sealed record CheckpointComponent(string Name, string KeyPrefix, int Tensors, long Parameters);
