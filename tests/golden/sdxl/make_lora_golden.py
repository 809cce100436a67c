#!/usr/bin/env python3
"""SDXL LoRA / LoCon goldens for the tiny SDXL model of this folder, merged by WebUI's real Lora extension (see README-lora.md).

Run with Debian's python3-torch from this folder:  UPSTREAM=/work/upstream /usr/bin/python3 make_lora_golden.py
UPSTREAM must hold what sdxl_upstream.py needs, plus webui/extensions-builtin/Lora (networks.py, network.py, network_lora.py,
lyco_helpers.py, stored copies of WebUI v1.10; see README-lora.md). Nothing upstream is copied here.
"""
import json
import os
import sys
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sdxl_upstream as up  # noqa: E402

LORA_DIR = f"{up.UP}/webui/extensions-builtin/Lora"
MODEL = "tiny-sdxl.safetensors"
PROMPT = "a photo of a cat"

# ---------------------------------------------------------------- the tiny model, hijacked as WebUI runs SDXL
unet, conditioner, vae, _ = up.load_tiny()
conditioner = up.hijack_conditioner(conditioner)
engine = up.TinyEngine(unet, conditioner)
engine.is_sdxl = True  # sd_models.load_model sets it from the config; networks.assign_network_names_to_compvis_modules reads it
clip_l = conditioner.embedders[0].wrapped  # sgm FrozenCLIPEmbedder: .transformer = HF CLIPTextModel
bigg = conditioner.embedders[1].wrapped  # sgm FrozenOpenCLIPEmbedder2: .model = open_clip CLIP (text tower)

# ---------------------------------------------------------------- stand-ins for what the Lora extension imports from WebUI
w = up.webui()  # creates the `modules` package with shared/devices stand-ins (CPU, float32)
w.opts.lora_functional = False  # WebUI default: merge into the weights, not the "old" functional path
w.opts.lora_bundled_ti_to_infotext = True
sys.modules["modules.shared"].sd_model = engine


def stub(name, **attrs):
    parent = name.rpartition(".")[0]
    if parent and parent not in sys.modules:
        stub(parent)
    return up._stub(name, **attrs)


class _QkvLinear(torch.nn.Linear):  # the SD3/Flux layer types network.py / network_lora.py test against; never present here
    pass


stub("modules.sd_models", read_state_dict=lambda filename, **k: up.read_safetensors(filename)[0],
     read_metadata_from_safetensors=lambda filename: up.read_safetensors(filename)[1])
stub("modules.cache", cached_data_for_file=lambda subsection, title, filename, func: func())
stub("modules.hashes", sha256_from_cache=lambda *a, **k: None, sha256=lambda *a, **k: None)
stub("modules.errors")
stub("modules.scripts")
stub("modules.textual_inversion.textual_inversion")
stub("modules.models.sd3.mmdit", QkvLinear=_QkvLinear)
stub("modules.models.flux.modules.layers", QkvLinear=_QkvLinear)
stub("gradio")
stub("lora_patches")
stub("lora_logger", logger=types.SimpleNamespace(warning=print))
for kind in ["hada", "ia3", "lokr", "full", "norm", "glora", "oft"]:  # other module kinds: not used by these files
    cls = type(f"ModuleType{kind}", (), {"create_module": lambda self, net, weights: None})
    stub(f"network_{kind}", **{f"ModuleType{kind.capitalize()}": cls, "ModuleTypeIa3": cls, "ModuleTypeGLora": cls, "ModuleTypeOFT": cls})
sys.path.insert(0, LORA_DIR)
import network  # noqa: E402
import networks  # noqa: E402

# ---------------------------------------------------------------- kohya-format files (kohya-ss/sd-scripts networks/lora.py naming)
# kohya's LoRANetwork wraps every Linear / Conv2d inside the UNet's Transformer2DModel blocks (sgm SpatialTransformer; kohya's
# sdxl_original_unet uses the same LDM module paths) and inside the text towers' CLIPAttention / CLIPMLP; with conv_dim also inside
# ResnetBlock2D / Downsample2D / Upsample2D (sgm ResBlock / Downsample / Upsample). The name is prefix + "." + module path + "." +
# child path with every "." as "_"; prefixes lora_unet, lora_te1 (CLIP-L), lora_te2 (bigG; kohya holds it as HF
# CLIPTextModelWithProjection, so its names are HF ones: self_attn.{q,k,v,out}_proj, mlp.fc1/fc2). Linear and 1x1 conv get
# (lora_dim, alpha); 3x3 convs get (conv_dim, conv_alpha). lora_down [r,in] / [r,in,k,k], lora_up [out,r] / [out,r,1,1].
TRANSFORMER_BLOCKS = ("SpatialTransformer",)
CONV_BLOCKS = ("ResBlock", "Downsample", "Upsample")


def kohya_targets(conv_dim):
    blocks = TRANSFORMER_BLOCKS + (CONV_BLOCKS if conv_dim else ())
    targets = []  # (kohya name, torch module)
    for prefix, root in [("lora_te1", clip_l.transformer), ("lora_te2", None), ("lora_unet", unet)]:
        if prefix == "lora_te2":
            for i in range(len(bigg.model.transformer.resblocks)):
                block = bigg.model.transformer.resblocks[i]
                hf = {"self_attn.q_proj": None, "self_attn.k_proj": None, "self_attn.v_proj": None,
                      "self_attn.out_proj": block.attn.out_proj, "mlp.fc1": block.mlp.c_fc, "mlp.fc2": block.mlp.c_proj}
                for child, module in hf.items():
                    targets.append((f"{prefix}_text_model_encoder_layers_{i}_{child.replace('.', '_')}", (block.attn, child) if module is None else module))
            continue
        for name, module in root.named_modules():
            kind = type(module).__name__
            if not (kind in blocks or (prefix == "lora_te1" and kind in ("CLIPAttention", "CLIPMLP"))):
                continue
            for child_name, child in module.named_modules():
                if type(child).__name__ in ("Linear", "Conv2d"):
                    targets.append(((prefix + "." + name + "." + child_name).replace(".", "_"), child))
    return targets


def out_in_kernel(module):
    if isinstance(module, tuple):  # a q/k/v third of bigG's packed in_proj
        width = module[0].embed_dim
        return width, width, None, None
    if isinstance(module, torch.nn.Conv2d):
        return module.out_channels, module.in_channels, module.kernel_size, module
    return module.out_features, module.in_features, None, module


def make_lora(stem, seed, rank, alpha, conv_dim=None, conv_alpha=None, dtype=torch.float16, keep=None):
    g = torch.Generator().manual_seed(seed)
    tensors = {}
    for name, module in kohya_targets(conv_dim):
        if keep is not None and not keep(name):
            continue
        out, inp, kernel, _ = out_in_kernel(module)
        is_3x3 = kernel is not None and kernel != (1, 1)
        r, a = (conv_dim, conv_alpha) if is_3x3 else (rank, alpha)
        down_shape = [r, inp] + (list(kernel) if kernel is not None else [])
        up_shape = [out, r] + ([1, 1] if kernel is not None else [])
        fan_in = inp * (kernel[0] * kernel[1] if kernel is not None else 1)
        tensors[name + ".lora_down.weight"] = (torch.randn(down_shape, generator=g) / fan_in ** 0.5).to(dtype)
        tensors[name + ".lora_up.weight"] = (torch.randn(up_shape, generator=g) * 0.3).to(dtype)
        tensors[name + ".alpha"] = torch.tensor(float(a)).to(dtype)
    metadata = {"ss_network_module": "networks.lora", "ss_network_dim": str(rank), "ss_network_alpha": str(alpha),
                "ss_base_model_version": "sdxl_base_v1-0"}
    if conv_dim:
        metadata["ss_network_args"] = json.dumps({"conv_dim": str(conv_dim), "conv_alpha": str(conv_alpha)})
    path = os.path.join(HERE, stem + ".safetensors")
    up.write_safetensors(path, tensors, metadata)
    return path, sorted({k.split(".", 1)[0] for k in tensors})


FILES = [
    # stem, te multiplier, unet multiplier, file
    ("tiny_sdxl_lora_r4_a2", 0.8, 0.7, make_lora("tiny_sdxl_lora_r4_a2", 5101, 4, 2.0)),
    ("tiny_sdxl_locon_r4_a2_conv2_a1", 1.0, 0.6,
     make_lora("tiny_sdxl_locon_r4_a2_conv2_a1", 5201, 4, 2.0, conv_dim=2, conv_alpha=1.0, dtype=torch.float32)),
    # bigG attention with q_proj only: WebUI's nn.MultiheadAttention path needs all of q/k/v/out, so this changes nothing there.
    ("tiny_sdxl_lora_te2_q_only", 0.8, 0.7,
     make_lora("tiny_sdxl_lora_te2_q_only", 5301, 4, 2.0, dtype=torch.float32,
               keep=lambda n: n.endswith("self_attn_q_proj") or n.startswith("lora_te1_text_model_encoder_layers_0_mlp"))),
]

# ---------------------------------------------------------------- WebUI: names, load, apply (patched forwards as lora_patches does)
networks.assign_network_names_to_compvis_modules(engine)
networks.originals = types.SimpleNamespace(
    Linear_forward=torch.nn.Linear.forward, Conv2d_forward=torch.nn.Conv2d.forward, GroupNorm_forward=torch.nn.GroupNorm.forward,
    LayerNorm_forward=torch.nn.LayerNorm.forward, MultiheadAttention_forward=torch.nn.MultiheadAttention.forward)
torch.nn.Linear.forward = networks.network_Linear_forward
torch.nn.Conv2d.forward = networks.network_Conv2d_forward
torch.nn.GroupNorm.forward = networks.network_GroupNorm_forward
torch.nn.LayerNorm.forward = networks.network_LayerNorm_forward
torch.nn.MultiheadAttention.forward = networks.network_MultiheadAttention_forward
networks.extra_network_lora = types.SimpleNamespace(errors={})

# LDM checkpoint key of every named module, by WebUI layer name
ldm_key = {}
for i, embedder in enumerate(conditioner.embedders[:2]):
    for name, module in embedder.wrapped.named_modules():
        ldm_key[f"{i}_{name.replace('.', '_')}"] = f"conditioner.embedders.{i}.{name}"
for name, module in engine.model.named_modules():
    ldm_key[name.replace(".", "_")] = f"model.{name}"

g = torch.Generator().manual_seed(5001)
x = torch.randn([2, 4, 8, 8], generator=g)
context = torch.randn([2, 77, 96], generator=g)
y = torch.randn([2, up.ADM_IN], generator=g)
timesteps = torch.tensor([999, 10])
tokens_l = torch.tensor([up.webui_clip_l_tokens(PROMPT)])
tokens_g = torch.tensor([up.webui_bigg_tokens(PROMPT)])


def run_models():
    """The UNet and both towers once (every LoRA-able layer runs, so WebUI merges into each as it would)."""
    with torch.no_grad():
        eps = unet(x, timesteps, context, y)
        clip = clip_l.transformer(input_ids=tokens_l, output_hidden_states=True)
        z = bigg.encode_with_transformer(tokens_g)  # legacy False: penultimate, last (no ln_final), pooled
        return {"eps": eps, "clip_l.penultimate": clip.hidden_states[up.CLIP_L_LAYER_IDX],
                "clip_l.last_hidden_state": clip.last_hidden_state, "bigg.penultimate": z["penultimate"], "bigg.last": z["last"],
                "bigg.last_hidden_state": bigg.model.ln_final(z["last"]), "bigg.pooled": z["pooled"]}


# Merged weights stored whole: one layer of each tower and representative UNet layers of each kind (every other changed weight
# is checked through its change's sum and absolute sum in lora_mapping.json).
REPRESENTATIVE = (
    "conditioner.embedders.0.transformer.text_model.encoder.layers.0.", "conditioner.embedders.1.model.transformer.resblocks.0.",
    "model.diffusion_model.input_blocks.4.1.", "model.diffusion_model.middle_block.1.transformer_blocks.1.attn2.",
    "model.diffusion_model.output_blocks.2.1.proj_out", "model.diffusion_model.input_blocks.1.0.", "model.diffusion_model.input_blocks.3.0.op",
    "model.diffusion_model.input_blocks.4.0.skip_connection", "model.diffusion_model.output_blocks.2.2.conv",
    "model.diffusion_model.output_blocks.5.2.conv", "model.diffusion_model.output_blocks.8.0.",
)


def weights():
    """The checkpoint-keyed weights of the UNet and both towers (the hijack wrappers left out of the names)."""
    sd = {up.PREFIXES["unet"] + k: v for k, v in unet.state_dict().items()}
    for i in range(2):
        sd.update({f"conditioner.embedders.{i}.{k}": v for k, v in conditioner.embedders[i].wrapped.state_dict().items()})
    return sd


out, cases, mapping = {}, [], {}
networks.loaded_networks.clear()
for k, v in run_models().items():
    out["base." + k] = v
originals = {n: p.detach().clone() for n, p in weights().items()}

for stem, te, un, (path, modules_in_file) in FILES:
    net = networks.load_network(stem, network.NetworkOnDisk(stem, path))
    matched = {m.network_key.split(".", 1)[0] for m in net.modules.values()}
    unmatched = [m for m in modules_in_file if m not in matched]
    assert not unmatched, f"{stem}: WebUI matched none of {unmatched[:5]}"
    net.te_multiplier, net.unet_multiplier, net.dyn_dim = te, un, None
    networks.loaded_networks[:] = [net]
    networks.extra_network_lora.errors.clear()
    for k, v in run_models().items():
        out[f"{stem}.{k}"] = v
    assert not networks.extra_network_lora.errors, networks.extra_network_lora.errors
    # merged weights of every layer a module names (bigG's q/k/v: the packed in_proj_weight)
    entries, keys = [], set()
    for sd_key, module in net.modules.items():
        layer = networks.re_x_proj.match(sd_key).group(1) if sd_key not in ldm_key else sd_key
        key = ldm_key[layer] + (".in_proj_weight" if layer != sd_key else ".weight")
        keys.add(key)
        entries.append({"kohya_module": module.network_key.split(".", 1)[0], "webui_sd_key": sd_key, "ldm_weight_key": key,
                        "multiplier": "te" if "transformer" in sd_key[:20] else "unet"})
    current = weights()
    for key in sorted(keys):
        if any(key.startswith(p) for p in REPRESENTATIVE):
            out[f"{stem}.merged.{key}"] = current[key].detach().clone()
    changed = sorted(k for k, v in current.items() if not torch.equal(v, originals[k]))
    # every changed weight, in short: sum and sum of |.| of (merged - loaded), in float64
    delta = {k: [float((current[k].double() - originals[k].double()).sum()), float((current[k].double() - originals[k].double()).abs().sum())]
             for k in changed}
    mapping[stem] = {"te": te, "unet": un, "modules": sorted(entries, key=lambda e: e["kohya_module"]), "changed_weights": delta}
    cases.append({"file": os.path.basename(path), "stem": stem, "te": te, "unet": un, "modules": len(modules_in_file)})
    # back to the loaded weights (WebUI restores from its backups when the set changes)
    networks.loaded_networks.clear()
    run_models()
    assert all(torch.equal(v, originals[k]) for k, v in weights().items()), "restore failed"

out.update({"inputs.x": x, "inputs.timesteps": timesteps, "inputs.context": context, "inputs.y": y,
            "inputs.clip_l_tokens": tokens_l, "inputs.bigg_tokens": tokens_g})
up.write_safetensors(os.path.join(HERE, "lora_golden.safetensors"), {k: v.contiguous() for k, v in out.items()},
                     metadata={"model": MODEL, "prompt": PROMPT, "cases": json.dumps(cases)})
with open(os.path.join(HERE, "lora_mapping.json"), "w") as f:
    json.dump(mapping, f, indent=1, sort_keys=True)
print("ok", len(out), "tensors;", [(c["stem"], c["modules"], len(mapping[c["stem"]]["changed_weights"])) for c in cases])
