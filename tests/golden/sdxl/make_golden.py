#!/usr/bin/env python3
"""Makes the SDXL goldens of this folder with the upstream code (README.md: versions, cases, deviations).

Run with Debian's python3-torch: UPSTREAM=/work/upstream /usr/bin/python3 make_golden.py [parts...]
parts: model text conditioning unet vae img2img manifests (default: all but manifests, which needs the big configs and time).
"""
import json
import math
import os
import sys

import torch

import sdxl_upstream as up

HERE = up.HERE
torch.set_num_threads(1)


# ---------------------------------------------------------------- 1. tiny checkpoint
def perturb(module, seed):
    """The sd15 goldens' perturbation (sd15 README section 1), then fp16 rounding so an F16 file holds the same values."""
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


def make_model():
    torch.manual_seed(up.SEED)
    unet = up.build_unet()
    vae = up.build_vae()
    conditioner = up.build_conditioner()
    denoiser = up.build_denoiser()
    perturb(unet, up.SEED + 2)
    perturb(vae, up.SEED + 3)
    perturb(conditioner.embedders[0], up.SEED + 4)
    perturb(conditioner.embedders[1], up.SEED + 5)
    sd = up.state_dict_of(unet, conditioner, vae, denoiser)
    # Model tensors F16 (values already fp16-exact); position_ids stays I64; the denoiser's sigmas buffer stays F32.
    stored = {k: (v.half() if v.is_floating_point() and not k.startswith("denoiser.") else v) for k, v in sd.items()}
    up.write_safetensors(up.TINY_FILE, stored)
    config = {
        "unet_num_head_channels": up.UNET_CFG["num_head_channels"],
        "clip_heads": up.CLIP_L["num_attention_heads"],
        "openclip_heads": up.BIGG_CFG["text_cfg"]["heads"],
        "clip_layer_idx": up.CLIP_L_LAYER_IDX,
        "scale_factor": up.SCALE_FACTOR,
        "seed": up.SEED,
        "adm_in_channels": up.ADM_IN,
        "unet": up.UNET_CFG,
        "clip_l": up.CLIP_L,
        "openclip_bigg": {"arch": up.BIGG_ARCH, **up.BIGG_CFG, "layer": "penultimate", "legacy": False,
                          "always_return_pooled": True, "act": "GELU (erf)"},
        "conditioner": up.CONDITIONER_CFG,
        "vae": {"embed_dim": 4, "ddconfig": up.VAE_DDCONFIG},
        "denoiser": up.DENOISER_CFG,
        "n_keys": len(stored),
    }
    with open(os.path.join(HERE, "tiny-sdxl.config.json"), "w") as f:
        json.dump(config, f, indent=1)
    print(f"tiny-sdxl.safetensors: {len(stored)} keys", file=sys.stderr)


PARTS = {"model": make_model}


def main():
    wanted = sys.argv[1:] or [p for p in PARTS if p != "manifests"]
    for part in wanted:
        PARTS[part]()


if __name__ == "__main__":
    main()
