#!/usr/bin/env python3
"""Makes the SDXL ControlNet goldens of this folder (README-controlnet.md) with sd-webui-controlnet's ControlNet class.

Run with Debian's python3-torch from this folder:
    UPSTREAM=/work/upstream /usr/bin/python3 make_controlnet_golden.py
UPSTREAM must hold what sdxl_upstream.py needs plus sd-webui-controlnet/scripts (Mikubill/sd-webui-controlnet).
Nothing upstream is copied here: the upstream folders are put on sys.path and WebUI's `modules.devices` (imported by cldm.py,
used only for device moves) is stubbed.
"""
import os
import sys
import types

import torch

import sdxl_upstream as up
from make_golden import perturb

HERE = up.HERE
# generative-models has its own top-level "scripts" folder on sys.path; cldm.py's "scripts.*" imports mean sd-webui-controlnet's.
_scripts = types.ModuleType("scripts")
_scripts.__path__ = [os.path.join(up.UP, "sd-webui-controlnet", "scripts")]
sys.modules["scripts"] = _scripts
_modules = types.ModuleType("modules")
_modules.__path__ = []
_modules.devices = types.SimpleNamespace(get_device_for=lambda name: "cpu", dtype_unet=torch.float32)
sys.modules["modules"] = _modules
sys.modules["modules.devices"] = _modules.devices

from scripts.cldm import ControlNet  # noqa: E402  sd-webui-controlnet's cldm (built on sgm's blocks when sgm imports)
import scripts.cldm as cldm  # noqa: E402
from sgm.modules.diffusionmodules.util import timestep_embedding  # noqa: E402

import sgm.modules.attention as sgm_attention  # noqa: E402

assert cldm.using_sgm, "cldm.py must build on sgm's UNet blocks, as WebUI 1.6+ has them"
# cldm's SpatialTransformers take sgm's default attn_type "softmax", which sgm refuses on torch < 2 (no SDP); sdxl_upstream gives
# torch 1.13 scaled_dot_product_attention, so sgm is told it is there: the same CrossAttention a torch 2 WebUI builds.
sgm_attention.SDP_IS_AVAILABLE = True
torch.set_num_threads(1)
SEED = up.SEED + 100


def controlnet_config(variant):
    """controlnet_model_guess.py's SDXL configs at the tiny UNet's sizes: "full" copies the UNet's attention (depths [0,1,2],
    middle 2 as sd_xl_base's [0,2,10] / 10), "small" has none (attention_resolutions [], middle transformer of depth 0)."""
    u = up.UNET_CFG
    config = dict(num_classes="sequential", adm_in_channels=u["adm_in_channels"], in_channels=4, model_channels=u["model_channels"],
                  num_res_blocks=u["num_res_blocks"], channel_mult=u["channel_mult"], use_linear_in_transformer=True,
                  num_head_channels=u["num_head_channels"], global_average_pooling=False, hint_channels=3, use_fp16=False)
    if variant == "full":
        config.update(attention_resolutions=[2, 4], transformer_depth=[0, 1, 2], transformer_depth_middle=2,
                      context_dim=u["context_dim"])
    else:
        config.update(attention_resolutions=[], transformer_depth=[0, 0, 0], transformer_depth_middle=0, context_dim=1)
    return config


def controlled_eps(unet, x, t, context, y, control):
    """hook.py's UNet forward with ControlNet residuals at weight 1: the last residual is added to the middle block's output,
    the others, from the end, to the skips as the output blocks take them."""
    control = list(control)
    emb = unet.time_embed(timestep_embedding(t, unet.model_channels, repeat_only=False)) + unet.label_emb(y)
    h, hs = x, []
    for block in unet.input_blocks:
        h = block(h, emb, context)
        hs.append(h)
    h = unet.middle_block(h, emb, context) + control.pop()
    for block in unet.output_blocks:
        h = block(torch.cat([h, hs.pop() + control.pop()], dim=1), emb, context)
    return unet.out(h)


def main():
    unet, _, _, _ = up.load_tiny()
    golden, metadata = {}, {"model": os.path.basename(up.TINY_FILE)}
    g = torch.Generator().manual_seed(SEED)
    for i, variant in enumerate(["full", "small"]):
        torch.manual_seed(SEED + 1 + i)
        net = ControlNet(**controlnet_config(variant)).eval()
        perturb(net, SEED + 11 + i)  # zero convs and the hint block's last conv get weights; every value fp16-exact
        name = "tiny-sdxl-controlnet.safetensors" if variant == "full" else "tiny-sdxl-controlnet-small.safetensors"
        up.write_safetensors(os.path.join(HERE, name), {"control_model." + k: v.half() for k, v in net.state_dict().items()})
        metadata[variant] = name

        x = torch.randn(2, 4, 8, 8, generator=g)
        t = torch.tensor([999.0, 261.5])
        context = torch.randn(2, 77, up.UNET_CFG["context_dim"], generator=g)
        y = torch.randn(2, up.UNET_CFG["adm_in_channels"], generator=g)
        hint = torch.rand(2, 3, 64, 64, generator=g)
        with torch.no_grad():
            residuals = net(x=x, hint=hint, timesteps=t, context=context, y=y)
            eps = controlled_eps(unet, x, t, context, y, residuals)
        assert len(residuals) == 10
        golden.update({f"{variant}.x": x, f"{variant}.timesteps": t, f"{variant}.context": context, f"{variant}.y": y,
                       f"{variant}.hint": hint, f"{variant}.eps": eps})
        golden.update({f"{variant}.residual.{j}": r for j, r in enumerate(residuals)})
        print(variant, [tuple(r.shape) for r in residuals], "eps", float(eps.abs().max()), file=sys.stderr)
    up.write_safetensors(os.path.join(HERE, "controlnet.safetensors"), golden, metadata)


if __name__ == "__main__":
    main()
