#!/usr/bin/env python3
"""Makes the SDXL refiner goldens of this folder with the upstream code (README-refiner.md: cases, deviations, tolerances).

A tiny checkpoint in the released sd_xl_refiner.yaml key layout (OpenCLIP bigG alone at conditioner.embedders.0, the
aesthetic-score vector, the refiner UNet's level layout), then WebUI's conditioning, the UNet and one img2img run on it.
Run with Debian's python3-torch: UPSTREAM=/work/upstream /usr/bin/python3 make_refiner_golden.py [parts...]
parts: model conditioning unet img2img embeddings (default: all).
"""
import json
import os
import sys

import torch

import sdxl_upstream as up
from make_golden import perturb

HERE = up.HERE
torch.set_num_threads(1)

SEED = 3501
REFINER_FILE = os.path.join(HERE, "tiny-sdxl-refiner.safetensors")
MODEL_NAME = os.path.basename(REFINER_FILE)
# sd_xl_refiner.yaml at tiny sizes: the bigG tower of the tiny base (width 64, 2 heads, 3 layers, projection 48); the UNet keeps
# the refiner's shape (four levels, transformers at levels 1 and 2 only, one depth everywhere incl. the middle, linear
# projections, context = bigG width, adm = pooled + 5·256) with 16-wide heads.
ADM_IN = up.BIGG_CFG["embed_dim"] + 5 * 256
UNET_CFG = dict(adm_in_channels=ADM_IN, num_classes="sequential", use_checkpoint=False, in_channels=4, out_channels=4,
                model_channels=32, attention_resolutions=[4, 2], num_res_blocks=2, channel_mult=[1, 2, 2, 2], num_head_channels=16,
                use_spatial_transformer=True, use_linear_in_transformer=True, transformer_depth=2,
                context_dim=up.BIGG_CFG["text_cfg"]["width"], spatial_transformer_attn_type="softmax-xformers", legacy=False)
CONDITIONER_CFG = [
    dict(is_trainable=False, input_key="txt", target="sgm.modules.encoders.modules.FrozenOpenCLIPEmbedder2",
         params=dict(arch=up.BIGG_ARCH, version=None, legacy=False, freeze=True, layer="penultimate", always_return_pooled=True,
                     device="cpu")),
    dict(is_trainable=False, input_key="original_size_as_tuple",
         target="sgm.modules.encoders.modules.ConcatTimestepEmbedderND", params=dict(outdim=256)),
    dict(is_trainable=False, input_key="crop_coords_top_left",
         target="sgm.modules.encoders.modules.ConcatTimestepEmbedderND", params=dict(outdim=256)),
    dict(is_trainable=False, input_key="aesthetic_score",
         target="sgm.modules.encoders.modules.ConcatTimestepEmbedderND", params=dict(outdim=256)),
]


def build():
    from sgm.modules.diffusionmodules.openaimodel import UNetModel
    from sgm.modules.encoders.modules import GeneralConditioner
    import contextlib
    up.register_tiny_bigg()
    unet = UNetModel(**UNET_CFG).eval()
    vae = up.build_vae()
    with contextlib.redirect_stdout(sys.stderr):
        conditioner = GeneralConditioner(CONDITIONER_CFG).eval()
    return unet, conditioner, vae


def make_model():
    torch.manual_seed(SEED)
    unet, conditioner, vae = build()
    denoiser = up.build_denoiser()
    perturb(unet, SEED + 2)
    perturb(vae, SEED + 3)
    perturb(conditioner.embedders[0], SEED + 5)
    sd = up.state_dict_of(unet, conditioner, vae, denoiser)
    stored = {k: (v.half() if v.is_floating_point() and not k.startswith("denoiser.") else v) for k, v in sd.items()}
    up.write_safetensors(REFINER_FILE, stored)
    config = {
        "unet_num_head_channels": UNET_CFG["num_head_channels"],
        "clip_heads": up.BIGG_CFG["text_cfg"]["heads"],
        "openclip_heads": up.BIGG_CFG["text_cfg"]["heads"],
        "scale_factor": up.SCALE_FACTOR,
        "seed": SEED,
        "adm_in_channels": ADM_IN,
        "unet": UNET_CFG,
        "openclip_bigg": {"arch": up.BIGG_ARCH, **up.BIGG_CFG, "layer": "penultimate", "legacy": False,
                          "always_return_pooled": True, "act": "GELU (erf)"},
        "conditioner": CONDITIONER_CFG,
        "vae": {"embed_dim": 4, "ddconfig": up.VAE_DDCONFIG},
        "denoiser": up.DENOISER_CFG,
        "n_keys": len(stored),
    }
    with open(os.path.join(HERE, "tiny-sdxl-refiner.config.json"), "w") as f:
        json.dump(config, f, indent=1)
    print(f"{MODEL_NAME}: {len(stored)} keys", file=sys.stderr)


def load():
    """The upstream modules loaded strictly from the F16 file (float32)."""
    sd, _ = up.read_safetensors(REFINER_FILE)
    unet, conditioner, vae = build()
    for module, prefix in [(unet, up.PREFIXES["unet"]), (conditioner, up.PREFIXES["conditioner"]), (vae, up.PREFIXES["vae"])]:
        part = {k[len(prefix):]: (v.float() if v.is_floating_point() else v) for k, v in sd.items() if k.startswith(prefix)}
        module.load_state_dict(part, strict=True)
        module.eval()
    return unet, conditioner, vae


def webui_model():
    unet, conditioner, vae = load()
    up.hijack_conditioner(conditioner)
    return up.TinyEngine(unet, conditioner), vae


# ---------------------------------------------------------------- conditioning (WebUI get_learned_conditioning, refiner defaults)
COND_CASES = [
    dict(prompts=["a photo of a cat"], width=1024, height=1024, crop=(0, 0), negative=False),
    dict(prompts=["a photo of a cat"], width=832, height=1216, crop=(0, 0), negative=False),
    dict(prompts=["masterpiece, best quality, 1girl, looking at viewer, café"], width=768, height=512, crop=(32, 64), negative=False),
    dict(prompts=[""], width=832, height=1216, crop=(0, 0), negative=True),
    dict(prompts=["blurry, lowres"], width=832, height=1216, crop=(0, 0), negative=True),
    dict(prompts=[""], width=1024, height=1024, crop=(0, 0), negative=False),
    dict(prompts=["a red cat sitting on a wooden chair, " * 10], width=1024, height=1024, crop=(0, 0), negative=False),
]


def make_conditioning():
    engine, _ = webui_model()
    opts = up.webui().opts
    out, info = {}, []
    with torch.no_grad():
        for i, case in enumerate(COND_CASES):
            opts.sdxl_crop_top, opts.sdxl_crop_left = case["crop"]
            batch = up.SdConditioning(case["prompts"], width=case["width"], height=case["height"],
                                      is_negative_prompt=case["negative"])
            c = engine.get_learned_conditioning(batch)
            out[f"case{i}.crossattn"], out[f"case{i}.vector"] = c["crossattn"], c["vector"]
            aesthetic = opts.sdxl_refiner_low_aesthetic_score if case["negative"] else opts.sdxl_refiner_high_aesthetic_score
            info.append({"prompts": case["prompts"], "width": case["width"], "height": case["height"],
                         "crop_top_left": list(case["crop"]), "negative": case["negative"], "aesthetic_score": aesthetic,
                         "zeroed": case["negative"] and all(p == "" for p in case["prompts"])})
        opts.sdxl_crop_top, opts.sdxl_crop_left = 0, 0
    up.write_safetensors(os.path.join(HERE, "refiner_conditioning.safetensors"), out,
                         {"model": MODEL_NAME, "cases": json.dumps(info, ensure_ascii=False)})


# ---------------------------------------------------------------- UNet
UNET_CASES = [("case0", [2, 4, 16, 16], [999, 10], 77), ("case1", [2, 4, 8, 16], [500, 250], 77),
              ("case2", [2, 4, 8, 12], [700, 1], 154)]


def make_unet():
    unet, _, _ = load()
    up.webui()  # WebUI's TorchHijackForUnet as sgm openaimodel.th (the 8x12 case's skip concatenations need it)
    g = torch.Generator().manual_seed(3601)
    out = {}
    with torch.no_grad():
        for name, shape, steps, tokens in UNET_CASES:
            x = torch.randn(shape, generator=g)
            ctx = torch.randn([shape[0], tokens, UNET_CFG["context_dim"]], generator=g)
            y = torch.randn([shape[0], ADM_IN], generator=g)
            t = torch.tensor(steps, dtype=torch.int64)
            out.update({f"{name}.x": x, f"{name}.timesteps": t, f"{name}.context": ctx, f"{name}.y": y,
                        f"{name}.eps": unet(x, t, context=ctx, y=y)})
    up.write_safetensors(os.path.join(HERE, "refiner_unet.safetensors"), out, {"model": MODEL_NAME})


# ---------------------------------------------------------------- img2img end to end
def make_img2img():
    import types
    sys.path.insert(0, f"{up.UP}/k-diffusion")
    kd = types.ModuleType("k_diffusion")
    kd.__path__ = [f"{up.UP}/k-diffusion/k_diffusion"]
    sys.modules["k_diffusion"] = kd
    import k_diffusion.external as kd_external
    import k_diffusion.sampling as kd_sampling
    engine, vae = webui_model()
    out, info = {}, {}
    g = torch.Generator().manual_seed(3701)
    for case, prompt, negative, width, height in [("refiner_e2e", "a photo of a cat", "", 128, 64),
                                                  ("refiner_e2e_negative", "a photo of a cat", "blurry, lowres", 64, 128)]:
        steps, denoising, cfg_scale = 6, 0.6, 7.0
        with torch.no_grad():
            cond = engine.get_learned_conditioning(up.SdConditioning([prompt], width=width, height=height))
            uncond = engine.get_learned_conditioning(up.SdConditioning([negative], width=width, height=height,
                                                                       is_negative_prompt=True))
            init_latent = torch.randn([1, 4, height // 8, width // 8], generator=g)
            noise = torch.randn([1, 4, height // 8, width // 8], generator=g)
            model_wrap = kd_external.CompVisDenoiser(engine, quantize=False)
            sigmas = model_wrap.get_sigmas(steps)
            t_enc = int(min(denoising, 0.999) * steps)
            sigma_sched = sigmas[steps - t_enc - 1:]
            xi = init_latent + noise * sigma_sched[0]

            def cfg_denoiser(x, sigma):
                x_in, sigma_in = torch.cat([x, x]), torch.cat([sigma, sigma])
                cond_in = {k: torch.cat([cond[k], uncond[k]]) for k in cond}
                d = model_wrap(x_in, sigma_in, cond=cond_in)
                return d[1:] + (d[:1] - d[1:]) * cfg_scale

            xs, denoised = [], []
            samples = kd_sampling.sample_euler(cfg_denoiser, xi, sigma_sched,
                                                callback=lambda s: (xs.append(s["x"]), denoised.append(s["denoised"])))
            image = vae.decode(samples / up.SCALE_FACTOR)
        out.update({f"{case}/cond_crossattn": cond["crossattn"], f"{case}/cond_vector": cond["vector"],
                    f"{case}/uncond_crossattn": uncond["crossattn"], f"{case}/uncond_vector": uncond["vector"],
                    f"{case}/init_latent": init_latent, f"{case}/noise": noise,
                    f"{case}/x_callback": torch.stack(xs), f"{case}/denoised_callback": torch.stack(denoised),
                    f"{case}/samples": samples, f"{case}/image": image})
        opts = up.webui().opts
        info[case] = {"model": MODEL_NAME, "prompt": prompt, "negative_prompt": negative, "width": width, "height": height,
                      "crop_top_left": [0, 0], "aesthetic_score": opts.sdxl_refiner_high_aesthetic_score,
                      "negative_aesthetic_score": opts.sdxl_refiner_low_aesthetic_score, "sampler": "Euler", "steps": steps,
                      "denoising": denoising, "t_enc": t_enc, "cfg_scale": cfg_scale, "prediction": engine.parameterization,
                      "scale_factor": up.SCALE_FACTOR, "sigmas": sigmas.tolist(), "sigma_sched": sigma_sched.tolist()}
    up.write_safetensors(os.path.join(HERE, "refiner_img2img.safetensors"), out, {"cases": json.dumps(info)})
    with open(os.path.join(HERE, "refiner_img2img.json"), "w") as f:
        json.dump(info, f, indent=1)


# ---------------------------------------------------------------- textual inversion on the refiner
def make_embeddings():
    """The SDXL embedding files of embeddings/ (make_embedding_golden.py) named in prompts on the refiner: WebUI registers the names
    with the first embedder that tokenizes (here bigG: GeneralConditioner.tokenize from sd_models_xl) and bigG takes the clip_g
    vectors. The WebUI pieces restated in make_embedding_golden.py are reused from there; Original emphasis."""
    import make_embedding_golden as emb
    w = up.webui()
    w.opts.emphasis = "Original"
    w.sd_hijack_clip.prompt_parser.parse_prompt_attention = emb.parse_prompt_attention
    w.sd_hijack_clip.sd_emphasis.get_current_option = lambda name: emb.EmphasisOriginal
    engine, _ = webui_model()
    conditioner = engine.conditioner
    bigg_w = conditioner.embedders[0]
    bigg_w.wrapped.model.token_embedding = emb.EmbeddingsWithFixes(bigg_w.wrapped.model.token_embedding, w.hijack, "clip_g")
    db = emb.EmbeddingDatabase(conditioner)
    names = {}
    for fn in sorted(os.listdir(emb.FOLDER)):
        path = os.path.join(emb.FOLDER, fn)
        data = torch.load(path, map_location="cpu") if fn.endswith(".pt") else up.read_safetensors(path)[0]
        embedding = emb.Embedding(data, os.path.splitext(fn)[0])
        db.register(embedding)
        names[embedding.name] = {"ids": conditioner.tokenize([embedding.name])[0], "vectors": embedding.vectors}
    w.hijack.embedding_db = db
    out, cases = {}, {}
    with torch.no_grad():
        for name, texts in emb.CASES.items():
            c = engine.get_learned_conditioning(up.SdConditioning(texts, width=1024, height=1024))
            out[f"{name}.crossattn"] = c["crossattn"]
            out[f"{name}.vector"] = c["vector"]
            cases[name] = texts
    w.hijack.embedding_db = types_namespace_without_embeddings()
    w.opts.emphasis = "None"
    meta = {"model": MODEL_NAME, "embeddings_dir": "embeddings", "emphasis": "Original", "comma_padding_backtrack": 20,
            "width": 1024, "height": 1024, "names": names, "cases": cases}
    up.write_safetensors(os.path.join(HERE, "refiner_embeddings.safetensors"), out,
                         {"model": MODEL_NAME, "meta": json.dumps(meta, ensure_ascii=False)})


def types_namespace_without_embeddings():
    import types
    return types.SimpleNamespace(find_embedding_at_position=lambda tokens, pos: (None, None))


PARTS = {"model": make_model, "conditioning": make_conditioning, "unet": make_unet, "img2img": make_img2img,
         "embeddings": make_embeddings}


def main():
    for part in sys.argv[1:] or list(PARTS):
        PARTS[part]()


if __name__ == "__main__":
    main()
