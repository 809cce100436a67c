#!/usr/bin/env python3
"""Counts one forward of the tiny SDXL UNet (sgm UNetModel, sdxl_upstream.py) with forward hooks: 2 x fan-in per output element
of every Conv2d and Linear, plus 2 x 2 x B x H x Nq x Nk x D for q k^T and the weighted sum of v in scaled_dot_product_attention.
The number is asserted by SdxlUnetStructureTests.FlopsCountEveryTransformerBlockAndLabelEmb (NetworkFlops.Unet).

    UPSTREAM=/work/upstream /usr/bin/python3 count_unet_flops.py     # x [2,4,16,16], 77 tokens -> 617586688
"""
import torch

import sdxl_upstream as up
import sgm.modules.attention as sgm_attention

unet = up.build_unet()
total = 0


def conv(module, inputs, out):
    global total
    total += 2 * out.numel() * (module.in_channels // module.groups) * module.kernel_size[0] * module.kernel_size[1]


def linear(module, inputs, out):
    global total
    total += 2 * out.numel() * module.in_features


for m in unet.modules():
    if isinstance(m, torch.nn.Conv2d):
        m.register_forward_hook(conv)
    elif isinstance(m, torch.nn.Linear):
        m.register_forward_hook(linear)
attention = sgm_attention.F.scaled_dot_product_attention


def counted(q, k, v, *args, **kwargs):
    global total
    b, h, nq, d = q.shape
    total += 2 * 2 * b * h * nq * k.shape[2] * d
    return attention(q, k, v, *args, **kwargs)


sgm_attention.F.scaled_dot_product_attention = counted
with torch.no_grad():
    unet(torch.randn(2, 4, 16, 16), timesteps=torch.tensor([1.0, 2.0]), context=torch.randn(2, 77, up.UNET_CFG["context_dim"]),
         y=torch.randn(2, up.UNET_CFG["adm_in_channels"]))
print(total)
