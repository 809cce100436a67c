#!/usr/bin/env python3
"""SDXL textual-inversion goldens (README-embeddings.md): tiny clip_l/clip_g embedding files and the conditioning WebUI's SDXL
prompt path gives prompts that name them, with WebUI's default "Original" emphasis.

Run from anywhere: UPSTREAM=/work/upstream /usr/bin/python3 make_embedding_golden.py
It imports sdxl_upstream.py (this folder) for the tiny model, the upstream modules and WebUI's real wrappers
(sd_hijack_clip.FrozenCLIPEmbedderForSDXLWithCustomWords, sd_hijack_open_clip.FrozenOpenCLIPEmbedder2WithCustomWords,
sd_models_xl.get_learned_conditioning). Four small WebUI pieces that need the whole WebUI to import are RESTATED here, each
marked "restated" below with the file it comes from: the SDXL branch of textual_inversion.create_embedding_from_data, the
EmbeddingDatabase lookup, sd_hijack.EmbeddingsWithFixes (with its textual_inversion_key), prompt_parser.parse_prompt_attention
and sd_emphasis.EmphasisOriginal.
"""
import json
import os
import re
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sdxl_upstream as up  # noqa: E402

FOLDER = os.path.join(HERE, "embeddings")
SEED = 3101


# ---------------------------------------------------------------- embedding files
def make_files():
    """Three SDXL embeddings (clip_l [n,32], clip_g [n,64] for the tiny towers), vectors randn·0.5 from one generator in file
    order. xlodd has fewer clip_l than clip_g vectors: WebUI takes the positions from clip_g."""
    g = torch.Generator().manual_seed(SEED)
    specs = [("xlcat.safetensors", 2, 2), ("xlstyle.pt", 1, 1), ("xlodd.safetensors", 1, 3)]
    os.makedirs(FOLDER, exist_ok=True)
    vectors = {}
    for name, n_l, n_g in specs:
        data = {"clip_l": torch.randn([n_l, 32], generator=g) * 0.5, "clip_g": torch.randn([n_g, 64], generator=g) * 0.5}
        path = os.path.join(FOLDER, name)
        if name.endswith(".pt"):
            torch.save(data, path)
        else:
            up.write_safetensors(path, data)
        stem = os.path.splitext(name)[0]
        vectors.update({f"vectors.{stem}.{k}": v for k, v in data.items()})
    return vectors


# ---------------------------------------------------------------- restated WebUI pieces
class Embedding:
    """restated: textual_inversion.create_embedding_from_data, SDXL branch (vec = dict of float32 tensors, vectors =
    clip_g.shape[0], shape = clip_g width + clip_l width)."""

    def __init__(self, data, name):
        self.vec = {k: v.detach().to(dtype=torch.float32) for k, v in data.items()}
        self.shape = data["clip_g"].shape[-1] + data["clip_l"].shape[-1]
        self.vectors = data["clip_g"].shape[0]
        self.name = name


class EmbeddingDatabase:
    """restated: textual_inversion.EmbeddingDatabase.register_embedding (ids = model.cond_stage_model.tokenize([name])[0],
    which for SDXL is sd_models_xl's GeneralConditioner.tokenize: the first embedder's, CLIP-L's), find_embedding_at_position."""

    def __init__(self, conditioner):
        self.conditioner = conditioner
        self.ids_lookup = {}

    def register(self, embedding):
        ids = self.conditioner.tokenize([embedding.name])[0]
        first = ids[0]
        self.ids_lookup[first] = sorted(self.ids_lookup.get(first, []) + [(ids, embedding)], key=lambda x: len(x[0]), reverse=True)

    def find_embedding_at_position(self, tokens, offset):
        for ids, embedding in self.ids_lookup.get(tokens[offset], []):
            if tokens[offset:offset + len(ids)] == ids:
                return embedding, len(ids)
        return None, None


class EmbeddingsWithFixes(torch.nn.Module):
    """restated: sd_hijack.EmbeddingsWithFixes (v1.10.1): each row's fixes put the embedding's vectors of this tower's key
    after position `offset` (offsets count from the first prompt token), at most up to the position before the last."""

    def __init__(self, wrapped, hijack, textual_inversion_key):
        super().__init__()
        self.wrapped, self.hijack, self.textual_inversion_key = wrapped, hijack, textual_inversion_key

    def forward(self, input_ids):
        batch_fixes = self.hijack.fixes
        self.hijack.fixes = None
        inputs_embeds = self.wrapped(input_ids)
        if batch_fixes is None or len(batch_fixes) == 0 or max(len(x) for x in batch_fixes) == 0:
            return inputs_embeds
        vecs = []
        for fixes, tensor in zip(batch_fixes, inputs_embeds):
            for offset, embedding in fixes:
                emb = embedding.vec[self.textual_inversion_key] if isinstance(embedding.vec, dict) else embedding.vec
                emb_len = min(tensor.shape[0] - offset - 1, emb.shape[0])
                tensor = torch.cat([tensor[0:offset + 1], emb[0:emb_len], tensor[offset + 1 + emb_len:]]).to(dtype=inputs_embeds.dtype)
            vecs.append(tensor)
        return torch.stack(vecs)


# restated: prompt_parser.re_attention, re_break, parse_prompt_attention
re_attention = re.compile(r"""
\\\(|
\\\)|
\\\[|
\\]|
\\\\|
\\|
\(|
\[|
:\s*([+-]?[.\d]+)\s*\)|
\)|
]|
[^\\()\[\]:]+|
:
""", re.X)
re_break = re.compile(r"\s*\bBREAK\b\s*", re.S)


def parse_prompt_attention(text):
    res, round_brackets, square_brackets = [], [], []

    def multiply_range(start_position, multiplier):
        for p in range(start_position, len(res)):
            res[p][1] *= multiplier

    for m in re_attention.finditer(text):
        text, weight = m.group(0), m.group(1)
        if text.startswith('\\'):
            res.append([text[1:], 1.0])
        elif text == '(':
            round_brackets.append(len(res))
        elif text == '[':
            square_brackets.append(len(res))
        elif weight is not None and round_brackets:
            multiply_range(round_brackets.pop(), float(weight))
        elif text == ')' and round_brackets:
            multiply_range(round_brackets.pop(), 1.1)
        elif text == ']' and square_brackets:
            multiply_range(square_brackets.pop(), 1 / 1.1)
        else:
            for i, part in enumerate(re.split(re_break, text)):
                if i > 0:
                    res.append(["BREAK", -1])
                res.append([part, 1.0])
    for pos in round_brackets:
        multiply_range(pos, 1.1)
    for pos in square_brackets:
        multiply_range(pos, 1 / 1.1)
    if len(res) == 0:
        res = [["", 1.0]]
    i = 0
    while i + 1 < len(res):
        if res[i][1] == res[i + 1][1]:
            res[i][0] += res[i + 1][0]
            res.pop(i + 1)
        else:
            i += 1
    return res


class EmphasisOriginal:
    """restated: sd_emphasis.EmphasisOriginal.after_transformers (multiply, then restore the mean over the whole batch tensor)."""

    def after_transformers(self):
        original_mean = self.z.mean()
        self.z = self.z * self.multipliers.reshape(self.multipliers.shape + (1,)).expand(self.z.shape)
        new_mean = self.z.mean()
        self.z = self.z * (original_mean / new_mean)


# ---------------------------------------------------------------- cases
# Each case is one batch handed to get_learned_conditioning (the texts of one prompt's schedule are such a batch).
CASES = {
    "single": ["a photo of xlcat"],
    "emphasis": ["xlstyle, (xlcat:1.3) sitting on a [wooden] chair"],
    "counts_break": ["xlodd cat BREAK xlcat"],
    "chunk_edge": ["a red cat, " * 18 + "very xlodd, (xlcat:0.8)"],
    "batch": ["a photo of xlcat", "(a dog:1.4) xlstyle"],
}


def main():
    vectors = make_files()
    w = up.webui()
    w.opts.emphasis = "Original"
    w.sd_hijack_clip.prompt_parser.parse_prompt_attention = parse_prompt_attention
    w.sd_hijack_clip.sd_emphasis.get_current_option = lambda name: EmphasisOriginal
    unet, conditioner, vae, sd = up.load_tiny()
    up.hijack_conditioner(conditioner)
    engine = up.TinyEngine(unet, conditioner)
    clip_w, bigg_w = conditioner.embedders[0], conditioner.embedders[1]
    emb_l = clip_w.wrapped.transformer.text_model.embeddings
    emb_l.token_embedding = EmbeddingsWithFixes(emb_l.token_embedding, w.hijack, "clip_l")
    bigg_w.wrapped.model.token_embedding = EmbeddingsWithFixes(bigg_w.wrapped.model.token_embedding, w.hijack, "clip_g")

    db = EmbeddingDatabase(conditioner)
    names = {}
    for fn in sorted(os.listdir(FOLDER)):
        path = os.path.join(FOLDER, fn)
        data = torch.load(path, map_location="cpu") if fn.endswith(".pt") else up.read_safetensors(path)[0]
        embedding = Embedding(data, os.path.splitext(fn)[0])
        db.register(embedding)
        names[embedding.name] = {"ids": conditioner.tokenize([embedding.name])[0], "vectors": embedding.vectors}
    w.hijack.embedding_db = db

    out, cases = dict(vectors), {}
    with torch.no_grad():
        for name, texts in CASES.items():
            c = engine.get_learned_conditioning(up.SdConditioning(texts, width=1024, height=1024))
            out[f"{name}.crossattn"] = c["crossattn"]
            out[f"{name}.pooled"] = c["vector"][:, :up.BIGG_CFG["embed_dim"]]
            cases[name] = texts
    meta = {"model": "tiny-sdxl.safetensors", "embeddings_dir": "embeddings", "emphasis": "Original", "comma_padding_backtrack": 20,
            "names": names, "cases": cases}
    up.write_safetensors(os.path.join(HERE, "embeddings.safetensors"), out, {"model": "tiny-sdxl.safetensors"})
    with open(os.path.join(HERE, "embeddings.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
