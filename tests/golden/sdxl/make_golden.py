#!/usr/bin/env python3
"""Makes the SDXL goldens of this folder with the upstream code (README.md: versions, cases, deviations).

Run with Debian's python3-torch: UPSTREAM=/work/upstream /usr/bin/python3 make_golden.py [parts...]
parts: model text conditioning unet vae img2img manifests (default: all but manifests, which needs the big configs and time).
"""
import contextlib
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



# ---------------------------------------------------------------- shared helpers
def webui_model():
    """The tiny model as WebUI runs it: upstream modules from the F16 file (float32), conditioner hijacked by WebUI's wrappers."""
    unet, conditioner, vae, sd = up.load_tiny()
    up.hijack_conditioner(conditioner)
    return up.TinyEngine(unet, conditioner), vae


def record_tokens(wrapper):
    """Records the token tensors WebUI's wrapper hands to encode_with_transformers (after process_tokens' padding rule)."""
    seen = []
    original = wrapper.encode_with_transformers

    def encode(tokens):
        seen.append(tokens.clone())
        return original(tokens)
    wrapper.encode_with_transformers = encode
    return seen


# ---------------------------------------------------------------- 2. tokenizers and text towers
TEXT_PROMPTS = [
    "a photo of a cat",
    "masterpiece, best quality, 1girl, looking at viewer, café",
    "A  photo\nof a CAT!! it's fish &amp; chips 🐱 日本語",
    "",
    "tag_with_underscores; 123 4567.89 - end. x/y @home #1",
    "a red cat sitting on a wooden chair, " * 10,
    "a photo of a cat " * 20,
]
TOKENIZER_PROMPTS = TEXT_PROMPTS + ["A  photo\nof a CAT!!", "tag_with_underscores, [brackets] {braces}", "fish &amp; chips",
                                    "日本語のテキスト", "emoji 🐱👍", "it's a dog's life, isn't it", "123 4567.89", "cafÃ© mojibake",
                                    "<end_of_text> inside", "<|endoftext|> clip-style special", "ﬁne ligature ＦＵＬＬ"]


def make_text():
    engine, _ = webui_model()
    clip_w, bigg_w = engine.conditioner.embedders[0], engine.conditioner.embedders[1]
    clip_seen, bigg_seen = record_tokens(clip_w), record_tokens(bigg_w)
    out, cases = {}, []
    with torch.no_grad():
        for i, prompt in enumerate(TOKENIZER_PROMPTS):
            clip_seen.clear()
            bigg_seen.clear()
            z_l = clip_w([prompt])
            z_g, pooled = bigg_w([prompt])
            tl, tg = torch.cat(clip_seen), torch.cat(bigg_seen)
            cases.append({"prompt": prompt, "clip_l_ids": up.clip_l_ids(prompt), "bigg_ids": up.bigg_ids(prompt),
                          "clip_l_webui_chunks": tl.tolist(), "bigg_webui_chunks": tg.tolist()})
            if i >= len(TEXT_PROMPTS):
                continue
            n = f"case{i}"
            hf = clip_w.wrapped.transformer(input_ids=tl, output_hidden_states=True)
            d = bigg_w.wrapped.encode_with_transformer(tg)
            out.update({f"{n}.clip_l.tokens": tl, f"{n}.clip_l.last_hidden_state": hf.last_hidden_state,
                        f"{n}.clip_l.penultimate": hf.hidden_states[up.CLIP_L_LAYER_IDX],
                        f"{n}.bigg.tokens": tg, f"{n}.bigg.last": d["last"], f"{n}.bigg.penultimate": d["penultimate"],
                        f"{n}.bigg.pooled": d["pooled"],
                        f"{n}.webui.clip_l": z_l, f"{n}.webui.bigg": z_g, f"{n}.webui.pooled": pooled})
    up.write_safetensors(os.path.join(HERE, "text.safetensors"), out,
                         {"model": "tiny-sdxl.safetensors", "prompts": json.dumps(TEXT_PROMPTS, ensure_ascii=False)})
    with open(os.path.join(HERE, "tokenizer_cases.json"), "w", encoding="utf-8") as f:
        json.dump({"start": up.ID_START, "end": up.ID_END, "clip_l_pad": up.ID_END, "bigg_pad": 0, "cases": cases}, f,
                  ensure_ascii=False, indent=1)


# ---------------------------------------------------------------- 3. conditioning (GeneralConditioner via WebUI's get_learned_conditioning)
COND_CASES = [
    dict(prompts=["a photo of a cat"], width=1024, height=1024, crop=(0, 0), negative=False),
    dict(prompts=["a photo of a cat"], width=832, height=1216, crop=(0, 0), negative=False),
    dict(prompts=["masterpiece, best quality, 1girl, looking at viewer, café"], width=768, height=512, crop=(32, 64), negative=False),
    dict(prompts=[""], width=832, height=1216, crop=(0, 0), negative=True),
    dict(prompts=["blurry, lowres"], width=832, height=1216, crop=(0, 0), negative=True),
    dict(prompts=[""], width=1024, height=1024, crop=(0, 0), negative=False),
    dict(prompts=["a red cat sitting on a wooden chair, " * 10], width=1024, height=1024, crop=(0, 0), negative=False),
    dict(prompts=["a photo of a cat", "a photo of a dog"], width=96, height=64, crop=(0, 0), negative=False),
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
            info.append({**case, "crop_top_left": list(case["crop"]), "zeroed": case["negative"] and all(p == "" for p in case["prompts"])})
        opts.sdxl_crop_top, opts.sdxl_crop_left = 0, 0
        # The plain sgm conditioner tokenizes by itself (CLIPTokenizer padding="max_length" with 49407, open_clip.tokenize padding
        # with 0) and truncates at 77; for one-chunk prompts its tokens are WebUI's, so its output must be bit-identical.
        _, plain, _, _ = up.load_tiny()
        for i, case in enumerate(info):
            if case["zeroed"] or any(len(up.clip_l_ids(p)) > 75 for p in case["prompts"]):
                continue
            n = len(case["prompts"])
            c = plain({"txt": case["prompts"], "original_size_as_tuple": torch.tensor([[case["height"], case["width"]]] * n),
                       "crop_coords_top_left": torch.tensor([case["crop_top_left"]] * n),
                       "target_size_as_tuple": torch.tensor([[case["height"], case["width"]]] * n)})
            assert torch.equal(c["crossattn"], out[f"case{i}.crossattn"]) and torch.equal(c["vector"], out[f"case{i}.vector"]), i
    for case in info:
        del case["crop"]
    up.write_safetensors(os.path.join(HERE, "conditioning.safetensors"), out,
                         {"model": "tiny-sdxl.safetensors", "cases": json.dumps(info, ensure_ascii=False)})


# ---------------------------------------------------------------- 4. UNet
UNET_CASES = [("case0", [2, 4, 8, 8], [999, 10], 77), ("case1", [2, 4, 16, 16], [500, 250], 77),
              ("case2", [2, 4, 8, 12], [999, 1], 77), ("case3", [2, 4, 9, 13], [700, 300], 77),
              ("case4", [2, 4, 8, 8], [981, 0], 154)]


def make_unet():
    unet, _, _, _ = up.load_tiny()
    up.webui()  # installs WebUI's TorchHijackForUnet as sgm openaimodel.th (needed by the odd-size case only)
    g = torch.Generator().manual_seed(3101)
    out = {}
    with torch.no_grad():
        for name, shape, steps, tokens in UNET_CASES:
            x = torch.randn(shape, generator=g)
            ctx = torch.randn([shape[0], tokens, up.UNET_CFG["context_dim"]], generator=g)
            y = torch.randn([shape[0], up.ADM_IN], generator=g)
            t = torch.tensor(steps, dtype=torch.int64)
            out.update({f"{name}.x": x, f"{name}.timesteps": t, f"{name}.context": ctx, f"{name}.y": y,
                        f"{name}.eps": unet(x, t, context=ctx, y=y)})
    up.write_safetensors(os.path.join(HERE, "unet.safetensors"), out, {"model": "tiny-sdxl.safetensors"})


# ---------------------------------------------------------------- 5. VAE
def make_vae():
    from sgm.models.autoencoder import AutoencoderKL
    _, _, vae, _ = up.load_tiny()
    up.webui()  # WebUI's VAE nonlinearity (torch silu)
    g = torch.Generator().manual_seed(3201)
    out = {}
    with torch.no_grad():
        for name, (h, w) in [("case0", (64, 64)), ("case1", (64, 96))]:
            image = torch.rand([1, 3, h, w], generator=g) * 2 - 1
            posterior = AutoencoderKL.encode(vae, image)  # the distribution; the wrapper's encode() samples from it
            latent = torch.randn([1, 4, h // 8, w // 8], generator=g)
            out.update({f"{name}.image": image, f"{name}.posterior_mean": posterior.mean, f"{name}.posterior_std": posterior.std,
                        f"{name}.latent": latent, f"{name}.decoded": vae.decode(latent),
                        f"{name}.decoded_mean": vae.decode(posterior.mean)})
    up.write_safetensors(os.path.join(HERE, "vae.safetensors"), out, {"model": "tiny-sdxl.safetensors"})


# ---------------------------------------------------------------- 6. img2img end to end
def make_img2img():
    sys.path.insert(0, f"{up.UP}/k-diffusion")
    import types
    kd = types.ModuleType("k_diffusion")
    kd.__path__ = [f"{up.UP}/k-diffusion/k_diffusion"]
    sys.modules["k_diffusion"] = kd
    import k_diffusion.external as kd_external
    import k_diffusion.sampling as kd_sampling
    engine, vae = webui_model()
    steps, denoising, cfg_scale, width, height = 6, 0.6, 7.0, 96, 64
    prompt, negative = "a photo of a cat", ""
    g = torch.Generator().manual_seed(3301)
    out, info = {}, {}
    with torch.no_grad():
        cond = engine.get_learned_conditioning(up.SdConditioning([prompt], width=width, height=height))
        uncond = engine.get_learned_conditioning(up.SdConditioning([negative], width=width, height=height, is_negative_prompt=True))
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
    case = "e2e_eps"
    out.update({f"{case}/cond_crossattn": cond["crossattn"], f"{case}/cond_vector": cond["vector"],
                f"{case}/uncond_crossattn": uncond["crossattn"], f"{case}/uncond_vector": uncond["vector"],
                f"{case}/init_latent": init_latent, f"{case}/noise": noise, f"{case}/alphas_cumprod": engine.alphas_cumprod,
                f"{case}/x_callback": torch.stack(xs), f"{case}/denoised_callback": torch.stack(denoised),
                f"{case}/samples": samples, f"{case}/image": image})
    info[case] = {"model": "tiny-sdxl.safetensors", "prompt": prompt, "negative_prompt": negative, "width": width, "height": height,
                  "crop_top_left": [0, 0], "sampler": "Euler", "steps": steps, "denoising": denoising, "t_enc": t_enc,
                  "cfg_scale": cfg_scale, "prediction": engine.parameterization, "scale_factor": up.SCALE_FACTOR,
                  "sigmas": sigmas.tolist(), "sigma_sched": sigma_sched.tolist()}
    up.write_safetensors(os.path.join(HERE, "img2img.safetensors"), out, {"cases": json.dumps(info)})
    with open(os.path.join(HERE, "img2img.json"), "w") as f:
        json.dump(info, f, indent=1)


# ---------------------------------------------------------------- 7. full-size manifests
class MetaParameters:
    """Builds modules without memory: every parameter/buffer is moved to the meta device as it is registered and the
    torch.nn.init fillers do nothing, so only shapes, names and dtypes exist (torch 1.13 has no device context)."""

    def __enter__(self):
        import torch.nn.init as init
        self.saved = [(torch.nn.Module, "register_parameter", torch.nn.Module.register_parameter),
                      (torch.nn.Module, "register_buffer", torch.nn.Module.register_buffer)]
        real_param, real_buffer = torch.nn.Module.register_parameter, torch.nn.Module.register_buffer

        def register_parameter(module, name, param):
            if param is not None and param.device.type != "meta":
                param = torch.nn.Parameter(param.detach().to("meta"), requires_grad=param.requires_grad)
            return real_param(module, name, param)

        def register_buffer(module, name, tensor, persistent=True):
            if tensor is not None and tensor.device.type != "meta":
                tensor = tensor.to("meta")
            return real_buffer(module, name, tensor, persistent)
        torch.nn.Module.register_parameter, torch.nn.Module.register_buffer = register_parameter, register_buffer
        self.saved.append((torch.nn.Module, "to", torch.nn.Module.to))
        torch.nn.Module.to = lambda module, *a, **k: module  # open_clip.create_model moves the model to its device
        for name in ["uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "xavier_uniform_", "xavier_normal_",
                     "kaiming_uniform_", "kaiming_normal_", "orthogonal_"]:
            self.saved.append((init, name, getattr(init, name)))
            setattr(init, name, lambda tensor, *a, **k: tensor)
        return self

    def __exit__(self, *exc):
        for owner, name, value in self.saved:
            setattr(owner, name, value)


DTYPE_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.int64: "I64"}
CLIP_VIT_L_TEXT = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                       max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0,
                       eos_token_id=2, projection_dim=768)


def make_manifests():
    import yaml
    from sgm.util import instantiate_from_config
    from sgm.modules.diffusionmodules.wrappers import OpenAIWrapper
    up.register_tiny_bigg()
    os.makedirs(os.path.join(HERE, "manifests"), exist_ok=True)
    for yaml_name, out_name in [("sd_xl_base.yaml", "sdxl_base_sd_xl_base.json"),
                                ("sd_xl_refiner.yaml", "sdxl_refiner_sd_xl_refiner.json")]:
        with open(f"{up.UP}/generative-models/configs/inference/{yaml_name}") as f:
            params = yaml.safe_load(f)["model"]["params"]
        manifest = {}
        with MetaParameters(), up.clip_l_from_pretrained(CLIP_VIT_L_TEXT), up.torch2_for_vae_attention(), \
                contextlib.redirect_stdout(sys.stderr):
            parts = [("model.", OpenAIWrapper(instantiate_from_config(params["network_config"]))),
                     ("conditioner.", instantiate_from_config(params["conditioner_config"])),
                     ("first_stage_model.", instantiate_from_config(params["first_stage_config"])),
                     ("denoiser.", instantiate_from_config(params["denoiser_config"]))]
        for prefix, module in parts:
            for k, v in module.state_dict().items():
                manifest[prefix + k] = {"shape": list(v.shape), "dtype": DTYPE_NAMES[v.dtype]}
            del module
        with open(os.path.join(HERE, "manifests", out_name), "w") as f:
            json.dump(manifest, f, indent=0)
        print(f"{out_name}: {len(manifest)} keys", file=sys.stderr)


PARTS = {"model": make_model, "text": make_text, "conditioning": make_conditioning, "unet": make_unet, "vae": make_vae,
         "img2img": make_img2img, "manifests": make_manifests}


def main():
    wanted = sys.argv[1:] or [p for p in PARTS if p != "manifests"]
    for part in wanted:
        PARTS[part]()


if __name__ == "__main__":
    main()
