"""Golden data for the live preview: WebUI's "Approx cheap" latent decoding (see README.md).

Run with /usr/bin/python3 (torch 1.13) after saving WebUI's modules/sd_vae_approx.py and modules/sd_samplers_common.py under
/work/upstream/stable-diffusion-webui/modules. Writes cases.json beside this script.
"""
import builtins
import contextlib
import json
import os
import sys
import types

import torch

UPSTREAM = os.environ.get("WEBUI_DIR", "/work/upstream/stable-diffusion-webui")
HERE = os.path.dirname(os.path.abspath(__file__))


def stub(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


# The modules package: the real files from the WebUI checkout, with the ones that load models or UI stubbed.
modules = stub("modules")
modules.__path__ = [os.path.join(UPSTREAM, "modules")]
opts = types.SimpleNamespace(show_progress_type="Approx cheap", live_preview_fast_interrupt=False)
state = types.SimpleNamespace(interrupted=False)
for name, attrs in {
    "devices": dict(device=torch.device("cpu"), dtype=torch.float32),
    "paths": dict(models_path="", script_path=""),
    "images": {}, "sd_samplers": {}, "sd_vae_taesd": {}, "sd_models": {},
    "shared": dict(opts=opts, state=state, sd_model=None),
}.items():
    setattr(modules, name, stub("modules." + name, **attrs))
stub("k_diffusion", sampling=stub("k_diffusion.sampling"))
stub("torchsde", _brownian=stub("torchsde._brownian", brownian_interval=stub("torchsde._brownian.brownian_interval")))
# sd_samplers_common uses nullcontext without importing it (CPU path at import time).
builtins.nullcontext = contextlib.nullcontext

from modules import sd_vae_approx, sd_samplers_common  # noqa: E402

# The saved sd_vae_approx.cheap_approximation takes one latent [4,h,w] ("lxy,lr -> rxy"); sd_samplers_common hands it a
# batch of one [1,4,h,w] (WebUI v1.10.1's version contracts "...lxy"). Apply it per image: the same numbers.
single_latent_approximation = sd_vae_approx.cheap_approximation
sd_vae_approx.cheap_approximation = lambda sample: torch.stack([single_latent_approximation(s) for s in sample])

CASES = [  # name, latent shape [4,h,w], seed, scale (larger latents clamp more of the image)
    ("randn_8x6", (4, 6, 8), 0, 1.0),
    ("randn_5x7", (4, 7, 5), 1, 1.0),
    ("randn_x3_8x8", (4, 8, 8), 2, 3.0),
    ("randn_small_4x4", (4, 4, 4), 3, 0.25),
]

cases = []
for name, shape, seed, scale in CASES:
    latent = torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float32) * scale
    rgb = single_latent_approximation(latent)                                    # [3,h,w] float, about [-1,1]
    image = sd_samplers_common.single_sample_to_image(latent, approximation=2)   # [h,w,3] uint8
    cases.append({
        "name": name, "shape": list(shape),
        "latent": [float(v) for v in latent.flatten()],
        "rgb": [float(v) for v in rgb.flatten()],
        "image_hwc": [int(v) for v in image.flatten()],
    })

with open(os.path.join(HERE, "cases.json"), "w") as f:
    json.dump({"cases": cases}, f)
print(f"{len(cases)} cases written")
