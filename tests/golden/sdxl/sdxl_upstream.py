#!/usr/bin/env python3
"""Upstream SDXL code set up for the tiny reference model of this folder (see README.md: versions, stubs, deviations).

Other generator scripts here do `import sdxl_upstream as up` and then:
    unet, conditioner, vae, sd = up.load_tiny()          # modules built from tiny-sdxl.safetensors (float32)
    up.write_safetensors(path, tensors, metadata)
    up.webui_clip_l_tokens(prompt), up.webui_bigg_tokens(prompt)   # WebUI's 77-token layouts per tower

Environment: Debian's python3-torch 1.13; UPSTREAM (default /work/upstream) must hold
generative-models/ (sgm), open_clip-2.20.0/src, transformers-4.19/ (transformers package), k-diffusion/, pylib/ (einops, ftfy,
wcwidth). Nothing upstream is copied here: this module only puts it on sys.path and stubs what it imports but never runs.
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
sys.path[:0] = [f"{UP}/pylib", f"{UP}/open_clip-2.20.0/src", f"{UP}/generative-models", f"{UP}/transformers-4.19"]


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
    module.__path__ = []
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


for _name in ["torchvision", "torchvision.transforms", "torchvision.transforms.functional", "torchvision.ops",
              "torchvision.ops.misc", "torchvision.utils", "kornia", "torchdiffeq", "torchsde", "scipy", "scipy.integrate",
              "fsspec", "huggingface_hub", "huggingface_hub.utils", "safetensors", "safetensors.torch", "omegaconf",
              "pytorch_lightning", "pytorch_lightning.utilities", "pytorch_lightning.utilities.distributed"]:
    if _name not in sys.modules:
        _stub(_name)
_ListConfig = type("ListConfig", (list,), {})
_DictConfig = type("DictConfig", (dict,), {})
sys.modules["omegaconf"].ListConfig = _ListConfig
sys.modules["omegaconf"].DictConfig = _DictConfig
_stub("omegaconf.listconfig", ListConfig=_ListConfig)


class _LightningModule(torch.nn.Module):
    pass


sys.modules["pytorch_lightning"].LightningModule = _LightningModule
sys.modules["pytorch_lightning.utilities.distributed"].rank_zero_only = lambda f: f
# transformers 4.19 checks installed package versions at import (tokenizers, huggingface-hub are absent; the slow tokenizer and
# the PyTorch model need neither).
sys.modules["transformers.dependency_versions_check"] = types.ModuleType("transformers.dependency_versions_check")
sys.modules["transformers.dependency_versions_check"].dep_version_check = lambda *a, **k: None

# torch 1.13 has no F.scaled_dot_product_attention, which sgm's CrossAttention and the VAE AttnBlock call (they target
# torch >= 2). It is given here as PyTorch 2 documents its math (no dropout, no causal flag used):
# softmax(q k^T / sqrt(d) + mask) v.
if not hasattr(torch.nn.functional, "scaled_dot_product_attention"):
    def _sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False):
        assert dropout_p == 0.0 and not is_causal
        w = q @ k.transpose(-2, -1) * (1.0 / math.sqrt(q.shape[-1]))
        if attn_mask is not None:
            w = w.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype == torch.bool else w + attn_mask
        return w.softmax(dim=-1) @ v
    torch.nn.functional.scaled_dot_product_attention = _sdpa

# open_clip's optional HF text towers (hf_model.py) are not used; it is imported with transformers hidden so that module takes its
# "transformers is not installed" branch instead of pulling the tokenizers-backed auto classes.
sys.modules["transformers"] = None
import open_clip  # noqa: E402
del sys.modules["transformers"]
import transformers  # noqa: E402
import transformers.tokenization_utils_base as _tub  # noqa: E402

# Without the tokenizers package, transformers 4.19 falls back to a dataclass AddedToken that lacks __str__, so special tokens
# would be looked up by their repr; later versions (and the tokenizers class 4.30 uses) give the content.
if "__str__" not in vars(_tub.AddedToken):
    _tub.AddedToken.__str__ = lambda self: self.content
import sgm.modules.attention as sgm_attention  # noqa: E402
import sgm.modules.diffusionmodules.model as sgm_vae_model  # noqa: E402
import sgm.modules.encoders.modules as sgm_encoders  # noqa: E402
from sgm.models.autoencoder import AutoencoderKLInferenceWrapper  # noqa: E402
from sgm.modules.diffusionmodules.denoiser import DiscreteDenoiser  # noqa: E402
from sgm.modules.diffusionmodules.openaimodel import UNetModel  # noqa: E402
from sgm.modules.encoders.modules import GeneralConditioner  # noqa: E402

sgm_attention.BACKEND_MAP.setdefault(None, {})  # the torch<2 branch leaves it empty; sdp_kernel is a no-op context there

# ---------------------------------------------------------------- tiny configuration (sd_xl_base.yaml at tiny sizes)
SEED = 3001
SCALE_FACTOR = 0.13025
CLIP_L = dict(vocab_size=49408, hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=2,
              max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5,
              pad_token_id=1, bos_token_id=0, eos_token_id=2)  # config ids as openai/clip-vit-large-patch14's config.json
CLIP_L_LAYER_IDX = 2  # hidden_states[2] of 3 layers = the penultimate layer's output, as layer_idx 11 of 12 in sd_xl_base.yaml
BIGG_ARCH = "Tiny-ViT-bigG-14-text"
BIGG_CFG = {"embed_dim": 48,
            "vision_cfg": {"image_size": 28, "layers": 1, "width": 32, "head_width": 16, "patch_size": 14},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 3}}
ADM_IN = BIGG_CFG["embed_dim"] + 6 * 256
UNET_CFG = dict(adm_in_channels=ADM_IN, num_classes="sequential", use_checkpoint=False, in_channels=4, out_channels=4,
                model_channels=32, attention_resolutions=[4, 2], num_res_blocks=2, channel_mult=[1, 2, 2], num_head_channels=16,
                use_spatial_transformer=True, use_linear_in_transformer=True, transformer_depth=[0, 1, 2],
                context_dim=CLIP_L["hidden_size"] + BIGG_CFG["text_cfg"]["width"],
                spatial_transformer_attn_type="softmax-xformers", legacy=False)
VAE_DDCONFIG = dict(attn_type="vanilla", double_z=True, z_channels=4, resolution=256, in_channels=3, out_ch=3, ch=32,
                    ch_mult=[1, 1, 1, 2], num_res_blocks=2, attn_resolutions=[], dropout=0.0)
CONDITIONER_CFG = [
    dict(is_trainable=False, input_key="txt", target="sgm.modules.encoders.modules.FrozenCLIPEmbedder",
         params=dict(layer="hidden", layer_idx=CLIP_L_LAYER_IDX, device="cpu")),
    dict(is_trainable=False, input_key="txt", target="sgm.modules.encoders.modules.FrozenOpenCLIPEmbedder2",
         params=dict(arch=BIGG_ARCH, version=None, freeze=True, layer="penultimate", always_return_pooled=True, legacy=False,
                     device="cpu")),
    dict(is_trainable=False, input_key="original_size_as_tuple",
         target="sgm.modules.encoders.modules.ConcatTimestepEmbedderND", params=dict(outdim=256)),
    dict(is_trainable=False, input_key="crop_coords_top_left",
         target="sgm.modules.encoders.modules.ConcatTimestepEmbedderND", params=dict(outdim=256)),
    dict(is_trainable=False, input_key="target_size_as_tuple",
         target="sgm.modules.encoders.modules.ConcatTimestepEmbedderND", params=dict(outdim=256)),
]
DENOISER_CFG = dict(num_idx=1000,
                    weighting_config={"target": "sgm.modules.diffusionmodules.denoiser_weighting.EpsWeighting"},
                    scaling_config={"target": "sgm.modules.diffusionmodules.denoiser_scaling.EpsScaling"},
                    discretization_config={"target": "sgm.modules.diffusionmodules.discretizer.LegacyDDPMDiscretization"})
PREFIXES = {"unet": "model.diffusion_model.", "vae": "first_stage_model.", "conditioner": "conditioner."}
TINY_FILE = os.path.join(HERE, "tiny-sdxl.safetensors")

# ---------------------------------------------------------------- tokenizers
# CLIP-L: transformers' slow CLIPTokenizer over the vocab.json / merges.txt that tests/golden/sd15/clip built from the BPE file
# shipped with OpenAI CLIP / open_clip (bpe_simple_vocab_16e6.txt.gz), the same vocabulary openai/clip-vit-large-patch14 ships.
# bigG: open_clip's own SimpleTokenizer (open_clip.tokenize), as FrozenOpenCLIPEmbedder2 uses it.
SD15_CLIP = os.path.join(HERE, "..", "sd15", "clip")


def clip_l_tokenizer():
    return transformers.CLIPTokenizer(os.path.join(SD15_CLIP, "vocab.json"), os.path.join(SD15_CLIP, "merges.txt"),
                                      pad_token="<|endoftext|>")


_tokenizer_l = None


def _tok_l():
    global _tokenizer_l
    if _tokenizer_l is None:
        _tokenizer_l = clip_l_tokenizer()
    return _tokenizer_l


def clip_l_ids(prompt):
    """WebUI FrozenCLIPEmbedderWithCustomWords.tokenize: tokenizer(text, truncation=False, add_special_tokens=False)."""
    return _tok_l()(prompt, truncation=False, add_special_tokens=False)["input_ids"]


def bigg_ids(prompt):
    """WebUI FrozenOpenCLIPEmbedder2WithCustomWords.tokenize: open_clip.tokenizer._tokenizer.encode(text)."""
    return open_clip.tokenizer._tokenizer.encode(prompt)


ID_START, ID_END = 49406, 49407


def _webui_chunk(ids, pad):
    """One 75-token chunk as sd_hijack_clip builds it: start, ids (first 75 only here), end, then end-padding; process_tokens
    then (id_end != id_pad) sets every position after the first end token to id_pad."""
    ids = list(ids)[:75]
    tokens = [ID_START] + ids + [ID_END] * (76 - len(ids))
    if pad != ID_END:
        first_end = tokens.index(ID_END)
        tokens = tokens[:first_end + 1] + [pad] * (77 - first_end - 1)
    return tokens


def webui_clip_l_tokens(prompt):
    return _webui_chunk(clip_l_ids(prompt), ID_END)


def webui_bigg_tokens(prompt):
    return _webui_chunk(bigg_ids(prompt), 0)


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


def read_safetensors(path):
    import numpy as np
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=dtypes[info["dtype"]]).reshape(info["shape"]).copy())
    return out, header.get("__metadata__", {})


# ---------------------------------------------------------------- module construction
_registered = False


def register_tiny_bigg():
    """Registers the tiny bigG architecture with open_clip and makes create_model_and_transforms build the model only
    (FrozenOpenCLIPEmbedder2 discards the image transforms, which need torchvision) and never download weights."""
    global _registered
    if _registered:
        return
    import tempfile
    d = tempfile.mkdtemp()
    with open(os.path.join(d, BIGG_ARCH + ".json"), "w") as f:
        json.dump(BIGG_CFG, f)
    open_clip.add_model_config(d)
    os.remove(os.path.join(d, BIGG_ARCH + ".json"))
    os.rmdir(d)
    open_clip.create_model_and_transforms = lambda arch, device, pretrained: (
        open_clip.create_model(arch, device=device, pretrained=None), None, None)
    _registered = True


@contextlib.contextmanager
def clip_l_from_pretrained(config=None):
    """FrozenCLIPEmbedder calls CLIPTokenizer/CLIPTextModel.from_pretrained(version); here they build the tiny config and
    the local tokenizer files instead (no hub)."""
    real_tok, real_model = sgm_encoders.CLIPTokenizer, sgm_encoders.CLIPTextModel
    sgm_encoders.CLIPTokenizer = types.SimpleNamespace(from_pretrained=lambda version: clip_l_tokenizer())
    sgm_encoders.CLIPTextModel = types.SimpleNamespace(
        from_pretrained=lambda version: transformers.CLIPTextModel(transformers.CLIPTextConfig(**(config or CLIP_L))))
    try:
        yield
    finally:
        sgm_encoders.CLIPTokenizer, sgm_encoders.CLIPTextModel = real_tok, real_model


@contextlib.contextmanager
def torch2_for_vae_attention():
    """sgm make_attn refuses vanilla attention on torch < 2 (it wants xformers); the math is the same, so the version it
    reads is raised while the VAE is built."""
    real = torch.__version__
    torch.__version__ = "2.0.0"
    try:
        yield
    finally:
        torch.__version__ = real


def build_unet():
    return UNetModel(**UNET_CFG).eval()


def build_conditioner():
    register_tiny_bigg()
    with clip_l_from_pretrained(), contextlib.redirect_stdout(sys.stderr):
        return GeneralConditioner(CONDITIONER_CFG).eval()


def build_vae():
    with torch2_for_vae_attention(), contextlib.redirect_stdout(sys.stderr):
        return AutoencoderKLInferenceWrapper(embed_dim=4, ddconfig=dict(VAE_DDCONFIG),
                                             lossconfig={"target": "torch.nn.Identity"}).eval()


def build_denoiser():
    return DiscreteDenoiser(**DENOISER_CFG)


def state_dict_of(unet, conditioner, vae, denoiser=None):
    sd = {PREFIXES["unet"] + k: v for k, v in unet.state_dict().items()}
    sd.update({PREFIXES["conditioner"] + k: v for k, v in conditioner.state_dict().items()})
    sd.update({PREFIXES["vae"] + k: v for k, v in vae.state_dict().items()})
    if denoiser is not None:
        sd.update({"denoiser." + k: v for k, v in denoiser.state_dict().items()})
    return sd


def load_tiny(path=TINY_FILE):
    """Builds the upstream modules and loads the tiny checkpoint into them strictly (F16 values upcast to float32)."""
    sd, _ = read_safetensors(path)
    unet, conditioner, vae = build_unet(), build_conditioner(), build_vae()
    for module, prefix in [(unet, PREFIXES["unet"]), (conditioner, PREFIXES["conditioner"]), (vae, PREFIXES["vae"])]:
        part = {k[len(prefix):]: (v.float() if v.is_floating_point() else v) for k, v in sd.items() if k.startswith(prefix)}
        module.load_state_dict(part, strict=True)
        module.eval()
    return unet, conditioner, vae, sd


def alphas_cumprod():
    """What WebUI's extend_sdxl sets as model.alphas_cumprod: LegacyDDPMDiscretization().alphas_cumprod as float32."""
    from sgm.modules.diffusionmodules.discretizer import LegacyDDPMDiscretization
    return torch.asarray(LegacyDDPMDiscretization().alphas_cumprod, dtype=torch.float32)


# ---------------------------------------------------------------- WebUI (AUTOMATIC1111) pieces, run on the tiny modules
class SdConditioning(list):
    """Stand-in for prompt_parser.SdConditioning: the prompt list plus the attributes get_learned_conditioning reads."""

    def __init__(self, prompts, width=None, height=None, is_negative_prompt=False):
        super().__init__(prompts)
        self.width, self.height, self.is_negative_prompt = width, height, is_negative_prompt


_webui = None


def webui():
    """Imports WebUI's sd_hijack_clip, sd_hijack_open_clip, sd_models_xl and sd_hijack_unet (UPSTREAM/stable-diffusion-webui/
    modules, the stored versions named in README.md) with stand-ins for the WebUI modules they import: shared.opts holds the
    default settings these paths read; devices is the CPU in float32; sd_emphasis is the "None" emphasis, which equals WebUI's
    default "Original" for prompts without emphasis syntax (all multipliers 1.0: z*1 and the mean ratio 1.0 are exact)."""
    global _webui
    if _webui is not None:
        return _webui
    modules = types.ModuleType("modules")
    modules.__path__ = [f"{UP}/stable-diffusion-webui/modules"]
    sys.modules["modules"] = modules
    opts = types.SimpleNamespace(emphasis="None", comma_padding_backtrack=20, CLIP_stop_at_last_layers=1, sdxl_clip_l_skip=False,
                                 use_old_emphasis_implementation=False, textual_inversion_add_hashes_to_infotext=False,
                                 sdxl_crop_top=0, sdxl_crop_left=0, sdxl_refiner_low_aesthetic_score=2.5,
                                 sdxl_refiner_high_aesthetic_score=6.0)
    modules.shared = _stub("modules.shared", opts=opts, ldm_print=lambda *a, **k: print(*a, file=sys.stderr, **k))
    modules.devices = _stub("modules.devices", device=torch.device("cpu"), cpu=torch.device("cpu"), dtype=torch.float32,
                            dtype_inference=torch.float32, torch_npu_set_device=lambda: None)

    class _EmphasisNone:
        def after_transformers(self):
            pass
    modules.sd_emphasis = _stub("modules.sd_emphasis", get_current_option=lambda name: _EmphasisNone)
    modules.prompt_parser = _stub("modules.prompt_parser", SdConditioning=SdConditioning)
    modules.sd_hijack = _stub("modules.sd_hijack")
    modules.torch_utils = _stub("modules.torch_utils", get_param=lambda m: next(iter(m.parameters())))
    import modules.sd_hijack_clip as sd_hijack_clip
    import modules.sd_hijack_open_clip as sd_hijack_open_clip
    import modules.sd_hijack_unet as sd_hijack_unet
    import modules.sd_models_xl as sd_models_xl
    import sgm.modules.diffusionmodules.openaimodel as sgm_openaimodel
    # As sd_hijack_optimizations.apply_optimizations does: UNet skip concatenation resizes (nearest) on a size mismatch.
    sgm_openaimodel.th = sd_hijack_unet.th
    # Also as apply_optimizations does: the VAE's nonlinearity becomes torch's silu (sgm's own is x*sigmoid(x)).
    sgm_vae_model.nonlinearity = torch.nn.functional.silu
    hijack = types.SimpleNamespace(fixes=None, extra_generation_params={},
                                   embedding_db=types.SimpleNamespace(find_embedding_at_position=lambda tokens, pos: (None, None)))
    _webui = types.SimpleNamespace(opts=opts, hijack=hijack, sd_hijack_clip=sd_hijack_clip, sd_hijack_open_clip=sd_hijack_open_clip,
                                   sd_models_xl=sd_models_xl, sd_hijack_unet=sd_hijack_unet)
    return _webui


def hijack_conditioner(conditioner):
    """What sd_hijack.StableDiffusionModelHijack.hijack does to an SDXL conditioner: embedders 0 and 1 replaced by WebUI's
    wrappers around them (the EmbeddingsWithFixes token-embedding wrapper is left out: with no textual-inversion fixes it returns
    the wrapped embedding's output unchanged)."""
    w = webui()
    for i, embedder in enumerate(conditioner.embedders):
        name = type(embedder).__name__
        if name == "FrozenCLIPEmbedder":
            conditioner.embedders[i] = w.sd_hijack_clip.FrozenCLIPEmbedderForSDXLWithCustomWords(embedder, w.hijack)
        elif name == "FrozenOpenCLIPEmbedder2":
            conditioner.embedders[i] = w.sd_hijack_open_clip.FrozenOpenCLIPEmbedder2WithCustomWords(embedder, w.hijack)
    return conditioner


class TinyEngine:
    """The DiffusionEngine attributes WebUI's sd_models_xl functions use: conditioner, model (OpenAIWrapper around the UNet),
    denoiser; extend_sdxl then adds alphas_cumprod, parameterization etc. get_learned_conditioning/apply_model are WebUI's."""

    def __init__(self, unet, conditioner):
        from sgm.modules.diffusionmodules.wrappers import OpenAIWrapper
        w = webui()
        self.model = OpenAIWrapper(unet)
        self.denoiser = build_denoiser()
        self.conditioner = conditioner
        self.is_sdxl_inpaint = False
        w.sd_models_xl.extend_sdxl(self)

    def get_learned_conditioning(self, batch):
        return webui().sd_models_xl.get_learned_conditioning(self, batch)

    def apply_model(self, x, t, cond):
        return webui().sd_models_xl.apply_model(self, x, t, cond)
