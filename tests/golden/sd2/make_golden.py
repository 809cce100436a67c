#!/usr/bin/env python3
"""Makes the SD2.x goldens of this folder with the upstream code (see README.md for versions, cases and deviations).

Run with Debian's python3-torch: UPSTREAM=/work/upstream /usr/bin/python3 make_golden.py
UPSTREAM must hold stablediffusion/ (ldm), open_clip/src, k-diffusion/, stable-diffusion-webui/modules/sd_models_config.py
and pylib/ (einops, ftfy, wcwidth sources).
"""
import contextlib
import json
import math
import os
import struct
import sys
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
UP = os.environ.get("UPSTREAM", "/work/upstream")
sys.path[:0] = [f"{UP}/pylib", f"{UP}/open_clip/src", f"{UP}/stablediffusion", f"{UP}/stable-diffusion-webui"]


# ---------------------------------------------------------------- import-time stubs (nothing here is called on the paths used)
class _AnyType(type):
    def __getattr__(cls, name): return cls


class _Anything(metaclass=_AnyType):
    def __init__(self, *a, **k): pass
    def __call__(self, *a, **k): return self
    def __getattr__(self, name): return _Anything()


def _stub(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    module.__getattr__ = lambda attr: _Anything
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


for name in ["torchvision", "torchvision.transforms", "torchvision.transforms.functional", "torchvision.ops", "torchvision.ops.misc",
             "torchvision.utils", "transformers", "kornia", "torchdiffeq", "torchsde", "scipy", "scipy.integrate", "omegaconf"]:
    _stub(name)
_ListConfig = type("ListConfig", (list,), {})
sys.modules["omegaconf"].ListConfig = _ListConfig
_stub("omegaconf.listconfig", ListConfig=_ListConfig)
_stub("tqdm", tqdm=lambda x, **k: x)
_stub("tqdm.auto", trange=lambda n, disable=None: range(n), tqdm=lambda x, **k: x)


class _LightningModule(torch.nn.Module):
    pass


_stub("pytorch_lightning", LightningModule=_LightningModule)
_stub("pytorch_lightning.utilities")
_stub("pytorch_lightning.utilities.distributed", rank_zero_only=lambda f: f)

# k-diffusion: its __init__ pulls training-only modules; load the package's sampling/utils/external files directly.
_kd = types.ModuleType("k_diffusion")
_kd.__path__ = [f"{UP}/k-diffusion/k_diffusion"]
sys.modules["k_diffusion"] = _kd
import k_diffusion.external as kd_external  # noqa: E402
import k_diffusion.sampling as kd_sampling  # noqa: E402

# WebUI modules that sd_models_config imports (paths and the no-init context only; the weights are loaded strictly after it).
_modules = types.ModuleType("modules")
_modules.__path__ = [f"{UP}/stable-diffusion-webui/modules"]
sys.modules["modules"] = _modules
_modules.shared = _stub("modules.shared", sd_configs_path="configs", sd_default_config="configs/v1-inference.yaml")
_modules.paths = _stub("modules.paths", paths={"Stable Diffusion": "repositories/stablediffusion", "Stable Diffusion XL": "repositories/generative-models"})
_modules.sd_disable_initialization = _stub("modules.sd_disable_initialization", DisableInitialization=contextlib.nullcontext)
_modules.devices = _stub("modules.devices", cpu=torch.device("cpu"), dtype_unet=torch.float32)
import modules.sd_models_config as sd_models_config  # noqa: E402

import open_clip  # noqa: E402
import ldm.modules.diffusionmodules.openaimodel as openaimodel  # noqa: E402
from ldm.models.autoencoder import AutoencoderKL  # noqa: E402
from ldm.models.diffusion.ddpm import DDPM  # noqa: E402
from ldm.modules.encoders.modules import FrozenOpenCLIPEmbedder  # noqa: E402

torch.set_num_threads(1)

# ---------------------------------------------------------------- configuration
TEXT_ARCH = "Tiny-ViT-H-14-text"
TEXT_CFG = {"embed_dim": 16,
            "vision_cfg": {"image_size": 28, "layers": 1, "width": 32, "head_width": 16, "patch_size": 14},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 16, "heads": 2, "layers": 3}}
UNET_CFG = dict(use_checkpoint=False, use_fp16=False, image_size=32, in_channels=4, out_channels=4, model_channels=32,
                attention_resolutions=[1, 2], num_res_blocks=1, channel_mult=[1, 2], num_head_channels=16,
                use_spatial_transformer=True, use_linear_in_transformer=True, transformer_depth=1, context_dim=16, legacy=False)
VAE_DDCONFIG = dict(double_z=True, z_channels=4, resolution=256, in_channels=3, out_ch=3, ch=32, ch_mult=[1, 1, 1, 2],
                    num_res_blocks=2, attn_resolutions=[], dropout=0.0)
SCALE_FACTOR = 0.18215
MODELS = {"tiny-sd2.safetensors": dict(seed=2001, v=False), "tiny-sd2-v.safetensors": dict(seed=2002, v=True)}


# ---------------------------------------------------------------- safetensors
def write_safetensors(path, tensors, metadata=None):
    dtypes = {torch.float32: "F32", torch.float16: "F16", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        data = t.numpy().tobytes()
        header[name] = dict(dtype=dtypes[t.dtype], shape=list(t.shape), data_offsets=[offset, offset + len(data)])
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


# ---------------------------------------------------------------- tiny models
def perturb(module, seed):
    """The sd15 goldens' perturbation (README section 1), then fp16 rounding so an F16 file holds the same values."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            n = torch.randn(p.shape, generator=g)
            if p.dim() == 0:
                pass
            elif p.dim() == 1 and name.endswith("weight"):
                p.copy_(1 + 0.1 * n)
            elif p.dim() == 1 and name.endswith("bias") and p.abs().max() > 0:
                p.add_(0.05 * n)
            elif p.abs().max() == 0:
                fan_in = p[0].numel() if p.dim() > 1 else p.numel()
                p.copy_(n * 0.5 / math.sqrt(fan_in))
            else:
                p.add_(0.05 * p.std() * n)
            p.copy_(p.half().float())


def schedule_buffers():
    """DDPM.register_schedule (linear 0.00085..0.012, 1000 steps) on a bare module, as v2-inference(-v).yaml configures it."""
    holder = torch.nn.Module()
    holder.parameterization = "eps"
    holder.v_posterior = 0.0
    DDPM.register_schedule(holder, beta_schedule="linear", timesteps=1000, linear_start=0.00085, linear_end=0.012)
    names = ["betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod",
             "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod", "posterior_variance",
             "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2"]
    return {n: getattr(holder, n).float() for n in names}


def build(seed):
    torch.manual_seed(seed)
    unet = openaimodel.UNetModel(**UNET_CFG).eval()
    vae = AutoencoderKL(ddconfig=VAE_DDCONFIG, lossconfig={"target": "torch.nn.Identity"}, embed_dim=4).eval()
    text = FrozenOpenCLIPEmbedder(arch=TEXT_ARCH, version="", device="cpu", layer="penultimate")
    perturb(unet, seed + 2)
    perturb(vae, seed + 3)
    perturb(text.model, seed + 4)
    return unet, vae, text


def decision_inputs_value(unet):
    """What is_using_v_parameterization_for_sd2 compares with -1, recomputed here to record it."""
    with torch.no_grad():
        x = torch.ones((1, 4, 8, 8)) * 0.5
        ctx = torch.ones((1, 2, UNET_CFG["context_dim"])) * 0.5
        return (unet(x, torch.asarray([999]), context=ctx) - x).mean().item()


def webui_decision(state_dict):
    """The real WebUI function, with its fixed full-size UNet config swapped for the tiny one and its 1024-wide test context
    for the tiny context width (the only changes: sizes)."""
    real_unet, real_ones = openaimodel.UNetModel, torch.ones

    def tiny_unet(**kwargs):
        return real_unet(**{**kwargs, **{k: UNET_CFG[k] for k in ["model_channels", "attention_resolutions", "num_res_blocks",
                                                                  "channel_mult", "num_head_channels", "context_dim"]}})

    def ones(shape, **kwargs):
        if tuple(shape) == (1, 2, 1024):
            shape = (1, 2, UNET_CFG["context_dim"])
        return real_ones(shape, **kwargs)

    openaimodel.UNetModel, torch.ones = tiny_unet, ones
    try:
        return sd_models_config.is_using_v_parameterization_for_sd2(state_dict)
    finally:
        openaimodel.UNetModel, torch.ones = real_unet, real_ones


PARTS = ("model.diffusion_model.", "first_stage_model.", "cond_stage_model.")


def make_models():
    models = {}
    for file, spec in MODELS.items():
        unet, vae, text = build(spec["seed"])
        value = decision_inputs_value(unet)
        # A random UNet predicts neither; shift the output bias so the v model's decision value lies well below WebUI's -1
        # and the eps model's well above it, as the released 768-v and 512-base files do.
        target = -2.0 if spec["v"] else 0.0
        with torch.no_grad():
            unet.out[2].bias.add_(target - value)
            unet.out[2].bias.copy_(unet.out[2].bias.half().float())
        sd = {"model.diffusion_model." + k: v for k, v in unet.state_dict().items()}
        sd.update({"first_stage_model." + k: v for k, v in vae.state_dict().items()})
        sd.update({"cond_stage_model.model." + k: v for k, v in text.model.state_dict().items()})
        sd.update(schedule_buffers())
        write_safetensors(os.path.join(HERE, file), {k: v.half() if v.is_floating_point() and k.startswith(PARTS) else v for k, v in sd.items()})
        models[file] = dict(unet=unet, vae=vae, text=text, state_dict=sd)
    return models


# ---------------------------------------------------------------- WebUI token layout for OpenCLIP
tokenizer = open_clip.tokenizer._tokenizer
ID_START, ID_END, ID_PAD = tokenizer.encoder["<start_of_text>"], tokenizer.encoder["<end_of_text>"], 0


def webui_tokens(prompt):
    """One <=75-token chunk as FrozenOpenCLIPEmbedderWithCustomWords builds it: start, ids, end, end-padding to 77, then
    (process_tokens, id_end != id_pad) every position after the first end token set to 0."""
    ids = tokenizer.encode(prompt)
    assert len(ids) <= 75
    tokens = [ID_START] + ids + [ID_END] * (76 - len(ids))
    first_end = tokens.index(ID_END)
    return tokens[:first_end + 1] + [ID_PAD] * (77 - first_end - 1)


PROMPTS = ["a photo of a cat", "masterpiece, best quality, 1girl, looking at viewer, café", ""]
TOKENIZER_PROMPTS = PROMPTS + ["A  photo\nof a CAT!!", "tag_with_underscores, (parens:1.2), [brackets]", "fish &amp; chips",
                               "日本語のテキスト", "emoji 🐱👍", "it's a dog's life, isn't it", "123 4567.89",
                               "<end_of_text> inside", "<|endoftext|> clip-style special"]


def text_goldens(models):
    text = models["tiny-sd2.safetensors"]["text"]
    out = {}
    with torch.no_grad():
        for i, prompt in enumerate(PROMPTS):
            tokens = torch.tensor([webui_tokens(prompt)], dtype=torch.int64)
            out[f"case{i}.input_ids"] = tokens
            text.layer, text.layer_idx = "penultimate", 1
            out[f"case{i}.penultimate"] = text.encode_with_transformer(tokens)
            text.layer, text.layer_idx = "last", 0
            out[f"case{i}.last"] = text.encode_with_transformer(tokens)
        text.layer, text.layer_idx = "penultimate", 1
    write_safetensors(os.path.join(HERE, "text.safetensors"), out, {"model": "tiny-sd2.safetensors", "prompts": json.dumps(PROMPTS)})
    cases = [{"prompt": p, "ids": tokenizer.encode(p), "webui_tokens": webui_tokens(p)} for p in TOKENIZER_PROMPTS]
    with open(os.path.join(HERE, "tokenizer_cases.json"), "w", encoding="utf-8") as f:
        json.dump({"start": ID_START, "end": ID_END, "pad": ID_PAD, "cases": cases}, f, ensure_ascii=False, indent=1)


def unet_goldens(models):
    for file, golden in [("tiny-sd2.safetensors", "unet.safetensors"), ("tiny-sd2-v.safetensors", "unet_v.safetensors")]:
        unet = models[file]["unet"]
        g = torch.Generator().manual_seed(2101 if file == "tiny-sd2.safetensors" else 2102)
        out = {}
        with torch.no_grad():
            for name, shape, steps in [("case0", [2, 4, 8, 8], [999, 10]), ("case1", [1, 4, 16, 8], [420])]:
                x = torch.randn(shape, generator=g)
                ctx = torch.randn([shape[0], 77, UNET_CFG["context_dim"]], generator=g)
                t = torch.tensor(steps, dtype=torch.int64)
                out[f"{name}.x"], out[f"{name}.timesteps"], out[f"{name}.context"] = x, t, ctx
                out[f"{name}.eps"] = unet(x, t, context=ctx)
        write_safetensors(os.path.join(HERE, golden), out, {"model": file})


def decision_goldens(models):
    result = {}
    for file, m in models.items():
        result[file] = {"value": decision_inputs_value(m["unet"]), "is_v": bool(webui_decision(m["state_dict"]))}
        assert result[file]["is_v"] == MODELS[file]["v"], (file, result[file])
    with open(os.path.join(HERE, "v_decision.json"), "w") as f:
        json.dump(result, f, indent=1)


class TinyLatentDiffusion:
    """What the k-diffusion wrappers read from LatentDiffusion: alphas_cumprod and apply_model (DiffusionWrapper crossattn)."""

    def __init__(self, unet, alphas_cumprod):
        self.unet, self.alphas_cumprod = unet, alphas_cumprod

    def apply_model(self, x, t, cond):
        return self.unet(x, t, context=torch.cat(cond["c_crossattn"], 1))


def e2e_goldens(models):
    """WebUI img2img (Euler, default settings) on each tiny model: CFG denoiser over CompVisDenoiser/CompVisVDenoiser."""
    out, info = {}, {}
    steps, denoising, cfg_scale = 6, 0.5, 7.0
    for case, file in [("e2e_eps", "tiny-sd2.safetensors"), ("e2e_v", "tiny-sd2-v.safetensors")]:
        m = models[file]
        g = torch.Generator().manual_seed(2201)
        with torch.no_grad():
            prompt, negative = "a photo of a cat", "blurry"
            cond = m["text"].encode_with_transformer(torch.tensor([webui_tokens(prompt)]))
            uncond = m["text"].encode_with_transformer(torch.tensor([webui_tokens(negative)]))
            init_latent = torch.randn([1, 4, 8, 8], generator=g)
            noise = torch.randn([1, 4, 8, 8], generator=g)
            ld = TinyLatentDiffusion(m["unet"], m["state_dict"]["alphas_cumprod"])
            wrapper = kd_external.CompVisVDenoiser if MODELS[file]["v"] else kd_external.CompVisDenoiser
            model_wrap = wrapper(ld, quantize=False)
            sigmas = model_wrap.get_sigmas(steps)
            t_enc = int(min(denoising, 0.999) * steps)
            sigma_sched = sigmas[steps - t_enc - 1:]
            xi = init_latent + noise * sigma_sched[0]

            def cfg_denoiser(x, sigma):
                x_in, sigma_in = torch.cat([x, x]), torch.cat([sigma, sigma])
                d = model_wrap(x_in, sigma_in, cond={"c_crossattn": [torch.cat([cond, uncond])], "c_concat": [None]})
                return d[1:] + (d[:1] - d[1:]) * cfg_scale

            xs, denoised = [], []
            samples = kd_sampling.sample_euler(cfg_denoiser, xi, sigma_sched,
                                                callback=lambda s: (xs.append(s["x"]), denoised.append(s["denoised"])))
            image = m["vae"].decode(samples / SCALE_FACTOR)
        out.update({f"{case}/cond": cond, f"{case}/uncond": uncond, f"{case}/init_latent": init_latent, f"{case}/noise": noise,
                    f"{case}/x_callback": torch.stack(xs), f"{case}/denoised_callback": torch.stack(denoised),
                    f"{case}/samples": samples, f"{case}/image": image})
        info[case] = {"model": file, "prompt": prompt, "negative_prompt": negative, "sampler": "Euler", "steps": steps,
                      "denoising": denoising, "cfg_scale": cfg_scale, "sigmas": sigmas.tolist(),
                      "sigma_sched": sigma_sched.tolist(), "prediction": "v" if MODELS[file]["v"] else "eps"}
    write_safetensors(os.path.join(HERE, "img2img.safetensors"), out, {"cases": json.dumps(info)})
    with open(os.path.join(HERE, "img2img.json"), "w") as f:
        json.dump(info, f, indent=1)


def write_config():
    # Top-level keys: the sidecar StableDiffusionLoadOptions.ForCheckpoint reads for head sizes the weights do not show.
    config = {"unet_num_head_channels": UNET_CFG["num_head_channels"], "clip_heads": TEXT_CFG["text_cfg"]["heads"], "unet": UNET_CFG, "text": TEXT_CFG["text_cfg"], "text_heads": TEXT_CFG["text_cfg"]["heads"],
              "text_embed_dim": TEXT_CFG["embed_dim"], "vae": VAE_DDCONFIG, "scale_factor": SCALE_FACTOR,
              "models": MODELS}
    for file in MODELS:
        with open(os.path.join(HERE, file.replace(".safetensors", ".config.json")), "w") as f:
            json.dump(config, f, indent=1)


def main():
    config_dir = os.path.join(HERE, ".open_clip_config")
    os.makedirs(config_dir, exist_ok=True)
    with open(os.path.join(config_dir, TEXT_ARCH + ".json"), "w") as f:
        json.dump(TEXT_CFG, f)
    open_clip.add_model_config(config_dir)
    # create_model_and_transforms also builds torchvision image transforms, which the text tower never uses.
    open_clip.create_model_and_transforms = lambda arch, device, pretrained: (
        open_clip.create_model(arch, device=device, pretrained=pretrained), None, None)
    models = make_models()
    write_config()
    text_goldens(models)
    unet_goldens(models)
    decision_goldens(models)
    e2e_goldens(models)
    os.remove(os.path.join(config_dir, TEXT_ARCH + ".json"))
    os.rmdir(config_dir)


if __name__ == "__main__":
    main()
