"""Golden data for LyCORIS-family and diffusers/PEFT LoRA files on SD1.x, merged by WebUI's real Lora-extension modules.

Run with /usr/bin/python3 (torch 1.13) from this folder. Imports, never copies, the upstream code from
/work/upstream/webui/extensions-builtin/Lora (network.py, network_lora.py, network_hada.py, network_lokr.py,
network_full.py, lyco_helpers.py; see README.md).
"""
import json, os, sys, types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = ["/work/upstream/webui/extensions-builtin/Lora", "/work/upstream/webui", "/work/upstream/webui/stubs"]
import torch
import safetensors.torch as st
import network, network_lora, network_hada, network_lokr, network_full

MODEL = "../../sd15/tiny-sd15.safetensors"
weights = st.load_file(os.path.join(HERE, MODEL))
mapping = {m["kohya_module"]: m for m in json.load(open(os.path.join(HERE, "../lora/lora_mapping.json")))["tiny_locon_r4_a2_conv2_a1"]["mapping"]}

# The layers used, by kohya name: linear (square and 8-wide context), 1x1 conv with bias, 3x3 convs, text encoder linears.
Q = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q"
K = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k"
PROJ = "lora_unet_down_blocks_0_attentions_0_proj_in"
CONV = "lora_unet_down_blocks_0_resnets_0_conv1"
DOWN = "lora_unet_down_blocks_0_downsamplers_0_conv"
TEQ = "lora_te_text_model_encoder_layers_0_self_attn_q_proj"
FC1 = "lora_te_text_model_encoder_layers_0_mlp_fc1"

g = torch.Generator().manual_seed(4242)
def rnd(*shape, s=0.3): return torch.randn(list(shape), generator=g) * s
def shape(name): return mapping[name]["ldm_weight_shape"]
def alpha(v): return torch.tensor(float(v))


def lora_parts(name, r):
    o, i, *k = shape(name)
    down = rnd(r, i, *k) if k and k[0] > 1 else (rnd(r, i, 1, 1) if k else rnd(r, i))
    up = rnd(o, r, 1, 1) if k else rnd(o, r)
    return {"lora_down.weight": down, "lora_up.weight": up, "alpha": alpha(r / 2)}


def loha_parts(name, r, cp=False):
    o, i, *k = shape(name)
    if cp:
        return {"hada_w1_a": rnd(r, o), "hada_w1_b": rnd(r, i), "hada_t1": rnd(r, r, *k), "hada_w2_a": rnd(r, o), "hada_w2_b": rnd(r, i),
                "hada_t2": rnd(r, r, *k), "alpha": alpha(r * 0.75)}
    flat = i * (k[0] * k[1] if k else 1)
    return {"hada_w1_a": rnd(o, r), "hada_w1_b": rnd(r, flat), "hada_w2_a": rnd(o, r), "hada_w2_b": rnd(r, flat), "alpha": alpha(r * 0.75)}


def lokr_parts(name, f, r=None, full1=False, full2=False, t2=False):
    o, i, *k = shape(name)
    p = {"alpha": alpha(3.0)}
    a, b = f
    if full1: p["lokr_w1"] = rnd(a, b)
    else: p["lokr_w1_a"], p["lokr_w1_b"] = rnd(a, r), rnd(r, b)
    c, d = o // a, i // b
    if t2: p["lokr_t2"], p["lokr_w2_a"], p["lokr_w2_b"] = rnd(r, r, *k), rnd(r, c), rnd(r, d)
    elif full2: p["lokr_w2"] = rnd(c, d, *k) if k and k[0] > 1 else rnd(c, d)
    else: p["lokr_w2_a"], p["lokr_w2_b"] = rnd(c, r), rnd(r, d * (k[0] * k[1] if k else 1))
    return p


def full_parts(name, with_bias):
    p = {"diff": rnd(*shape(name), s=0.05)}
    if with_bias: p["diff_b"] = rnd(shape(name)[0], s=0.05)
    return p


def dora(p, name):
    o, i, *k = shape(name)
    p["dora_scale"] = rnd(1, i, *([1, 1] if k else []), s=1.0).abs() + 0.5
    return p


files = {
    "loha": {Q: loha_parts(Q, 4), K: loha_parts(K, 2), PROJ: loha_parts(PROJ, 4), CONV: loha_parts(CONV, 2, cp=True),
             DOWN: loha_parts(DOWN, 2), TEQ: loha_parts(TEQ, 2), FC1: loha_parts(FC1, 2)},
    "lokr_factorised": {Q: lokr_parts(Q, (4, 4), 2), K: lokr_parts(K, (4, 2), 2), PROJ: lokr_parts(PROJ, (4, 4), 2),
                        CONV: lokr_parts(CONV, (4, 4), 2, t2=True), DOWN: lokr_parts(DOWN, (4, 4), 2), TEQ: lokr_parts(TEQ, (2, 2), 2)},
    "lokr_full_w1": {Q: lokr_parts(Q, (4, 4), 2, full1=True), K: lokr_parts(K, (4, 2), full1=True, full2=True),
                     CONV: lokr_parts(CONV, (4, 4), full1=True, full2=True), FC1: lokr_parts(FC1, (4, 2), 2, full1=True)},
    "full": {Q: full_parts(Q, False), PROJ: full_parts(PROJ, True), CONV: full_parts(CONV, True), TEQ: full_parts(TEQ, True)},
    "dora": {Q: dora(lora_parts(Q, 4), Q), PROJ: dora(lora_parts(PROJ, 4), PROJ), CONV: dora(lora_parts(CONV, 2), CONV),
             TEQ: dora(lora_parts(TEQ, 2), TEQ), K: dora(loha_parts(K, 2), K), FC1: dora(lokr_parts(FC1, (4, 2), 2), FC1)},
}
# diffusers / PEFT: "unet.<diffusers module>.lora_A.weight" etc.; WebUI's module types take lora_A/lora_B (network_lora),
# the module name is the kohya one with '_' for '.' (see README).
peft_modules = {Q: ("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q", None),
                K: ("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k", 1.0),
                PROJ: ("unet.down_blocks.0.attentions.0.proj_in", None),
                TEQ: ("text_encoder.text_model.encoder.layers.0.self_attn.q_proj", None),
                FC1: ("text_encoder.text_model.encoder.layers.0.mlp.fc1", 2.0)}
peft_file, peft_parts = {}, {}
for name, (diffusers, a) in peft_modules.items():
    p = lora_parts(name, 4)
    parts = {"lora_A.weight": p["lora_down.weight"], "lora_B.weight": p["lora_up.weight"]}
    peft_file[diffusers + ".lora_A.weight"], peft_file[diffusers + ".lora_B.weight"] = parts["lora_A.weight"], parts["lora_B.weight"]
    if a is not None:
        parts["alpha"] = peft_file[diffusers + ".alpha"] = alpha(a)
    peft_parts[name] = parts
files["peft"] = peft_parts

# Write the files: kohya keys "<module>.<part>" (peft: diffusers keys); lokr_full_w1 as a .pt pickle.
written = {}
for stem, modules in files.items():
    if stem == "peft":
        tensors, fn = peft_file, stem + ".safetensors"
    else:
        tensors = {f"{m}.{p}": t for m, parts in modules.items() for p, t in parts.items()}
        fn = stem + (".pt" if stem == "lokr_full_w1" else ".safetensors")
    if fn.endswith(".pt"): torch.save(tensors, os.path.join(HERE, fn))
    else: st.save_file(tensors, os.path.join(HERE, fn), metadata={"ss_network_module": "lycoris.kohya"})
    written[stem] = fn


def sd_module(name):
    key = mapping[name]["ldm_weight_key"]
    w = weights[key].float()
    if w.ndim == 4:
        stride = 2 if "downsamplers" in name else 1
        m = torch.nn.Conv2d(w.shape[1], w.shape[0], w.shape[2:], stride=stride, padding=w.shape[2] // 2)
    else:
        m = torch.nn.Linear(w.shape[1], w.shape[0])
    with torch.no_grad():
        m.weight.copy_(w)
        bias_key = key[:-len(".weight")] + ".bias"
        if bias_key in weights: m.bias.copy_(weights[bias_key].float())
        else: m.bias = None
    return key, m


types_ = [network_lora.ModuleTypeLora(), network_hada.ModuleTypeHada(), network_lokr.ModuleTypeLokr(), network_full.ModuleTypeFull()]
multipliers = [0.8, -0.5]
out, cases = {}, []
with torch.no_grad():
    for stem, modules in files.items():
        for mult in multipliers:
            net = network.Network(stem, network.NetworkOnDisk(stem, written[stem]))
            net.te_multiplier = net.unet_multiplier = mult
            case = f"{stem}.m{mult}"
            cases.append({"case": case, "file": written[stem], "te": mult, "unet": mult})
            for name, parts in modules.items():
                key, m = sd_module(name)
                nw = network.NetworkWeights(network_key=name, sd_key=mapping[name]["a1111_network_layer_name"], w=dict(parts), sd_module=m)
                module = next(x for x in (t.create_module(net, nw) for t in types_) if x is not None)
                # network_apply_weights: weight += updown; bias += ex_bias when the layer has a bias.
                updown, ex_bias = module.calc_updown(m.weight)
                out[f"{case}.merged.{key}"] = (m.weight.to(dtype=updown.dtype) + updown).to(dtype=m.weight.dtype)
                if ex_bias is not None and m.bias is not None:
                    out[f"{case}.merged.{key[:-len('.weight')]}.bias"] = m.bias + ex_bias
st.save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(HERE, "golden_lycoris.safetensors"),
             metadata={"model": MODEL, "cases": json.dumps(cases)})
print("ok", len(out), "tensors;", [c["case"] for c in cases])
