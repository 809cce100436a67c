"""Golden data for textual-inversion embeddings (SD1.x) from WebUI's real prompt path.

Run with /usr/bin/python3 (torch 1.13) from this folder. Imports, never copies, the upstream code:
  /work/upstream/webui            AUTOMATIC1111/stable-diffusion-webui files (see README.md: real files and stubs)
  /work/upstream/transformers/src NielsRogge/transformers @ 9519f0cd63b1b5d895f9f993e3198ec55d1e57fa (CLIPTextModel, CLIPTokenizer)
"""
import json, os, sys, types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = ["/work/upstream/webui", "/work/upstream/webui/stubs", "/work/upstream/transformers/src"]
# transformers 4.9 checks optional packages and imports huggingface_hub at import time; neither changes the CLIP math.
_dvc = types.ModuleType("transformers.dependency_versions_check"); _dvc.dep_version_check = lambda *a, **k: None
sys.modules["transformers.dependency_versions_check"] = _dvc
_hub = types.ModuleType("huggingface_hub")
for _n in ["HfApi", "HfFolder", "Repository"]: setattr(_hub, _n, object)
sys.modules["huggingface_hub"] = _hub

import torch
import safetensors.torch as st
from transformers.models.clip.modeling_clip import CLIPTextModel
from transformers.models.clip.configuration_clip import CLIPTextConfig
from transformers.models.clip.tokenization_clip import CLIPTokenizer
from modules import shared, sd_hijack, sd_hijack_clip
from modules.textual_inversion.textual_inversion import Embedding

MODEL = "../../sd15/tiny-sd15.safetensors"
torch.manual_seed(0)

# Tiny CLIP of the sd15 golden checkpoint.
cfg = json.load(open(os.path.join(HERE, "../../sd15/tiny-sd15.config.json")))
clip = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=cfg["clip_hidden"], intermediate_size=cfg["clip_intermediate"],
                                    num_hidden_layers=cfg["clip_layers"], num_attention_heads=cfg["clip_heads"],
                                    max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5)).eval()
weights = st.load_file(os.path.join(HERE, MODEL))
prefix = "cond_stage_model.transformer."
state = {k[len(prefix):]: v.float() for k, v in weights.items() if k.startswith(prefix)}
missing, unexpected = clip.load_state_dict(state, strict=False)
assert not unexpected and all("position_ids" in m for m in missing), (missing, unexpected)
clip_dir = os.path.join(HERE, "../../sd15/clip")


class Tokenizer(CLIPTokenizer):
    # This transformers version leaves the special-token ids unset (its AddedToken lookup); WebUI's newer transformers
    # gives the vocabulary's ids, which are set here.
    bos_token_id = property(lambda self: self.encoder["<|startoftext|>"])
    eos_token_id = property(lambda self: self.encoder["<|endoftext|>"])


tokenizer = Tokenizer(os.path.join(clip_dir, "vocab.json"), os.path.join(clip_dir, "merges.txt"))

# WebUI's hijack: the wrapped FrozenCLIPEmbedder, EmbeddingsWithFixes on the token embedding, the custom-words wrapper.
hijack = sd_hijack.StableDiffusionModelHijack()
wrapped = types.SimpleNamespace(tokenizer=tokenizer, transformer=clip)
emb_layer = clip.text_model.embeddings
emb_layer.token_embedding = sd_hijack.EmbeddingsWithFixes(emb_layer.token_embedding, hijack)
cond = sd_hijack_clip.FrozenCLIPEmbedderWithCustomWords(wrapped, hijack)
shared.sd_model = types.SimpleNamespace(cond_stage_model=cond)

# Embedding files (width 8 = the tiny CLIP's hidden size), written the ways users get them.
folder = os.path.join(HERE, "embeddings")
os.makedirs(os.path.join(folder, "sub"), exist_ok=True)
g = torch.Generator().manual_seed(77)
def vec(n): return torch.randn([n, cfg["clip_hidden"]], generator=g) * 0.5
one = Embedding(vec(1), "tinyemb1"); one.step = 10
one.save(os.path.join(folder, "tinyemb1.pt"))                                  # WebUI .pt, 1 vector
three = Embedding(vec(3), "threevec"); three.step = 200
three.save(os.path.join(folder, "sub", "threevec.pt"))                         # WebUI .pt, 3 vectors, in a subfolder
st.save_file({"emb_params": vec(3)}, os.path.join(folder, "style-three.safetensors"))  # kohya-style .safetensors, 3 vectors
torch.save({"<concept>": vec(1)[0]}, os.path.join(folder, "concept.bin"))      # diffusers concept: one 1-D tensor
with open(os.path.join(folder, "empty.pt"), "wb"): pass                         # empty files are skipped

db = hijack.embedding_db
db.add_embedding_dir(folder)
db.load_textual_inversion_embeddings(force_reload=True)
assert sorted(db.word_embeddings) == ["concept", "style-three", "threevec", "tinyemb1"], sorted(db.word_embeddings)

a = " ".join(["a"] * 73)
prompts = {
    "one_vector": "a photo of tinyemb1",
    "three_vectors_safetensors": "a cat in style-three style",
    "several": "tinyemb1 and threevec, concept on a hill",
    "crosses_chunk": a + " threevec dog",
    "fills_chunk": " ".join(["a"] * 72) + " threevec dog",
    "comma_backtrack": " ".join(["a"] * 60) + ", threevec " + " ".join(["b"] * 11) + " c d",
    "name_inside_word": "tinyemb12 threevecs",
    "no_embedding": "a photo of a dog",
}
cases = {}
tensors = {}
with torch.no_grad():
    for key, prompt in prompts.items():
        chunks, count = cond.tokenize_line(prompt)
        cases[key] = {"prompt": prompt, "token_count": count,
                      "chunks": [{"tokens": c.tokens, "multipliers": c.multipliers,
                                  "fixes": [{"offset": f.offset, "name": f.embedding.name, "vectors": int(f.embedding.vectors)} for f in c.fixes]}
                                 for c in chunks]}
        tensors[key + ".cond"] = cond([prompt])
    batch = ["a photo of tinyemb1", "threevec"]
    tensors["batch.cond"] = cond(batch)
for name, e in db.word_embeddings.items():
    tensors["vectors." + name] = e.vec
json.dump({"model": MODEL, "embeddings_dir": "embeddings", "comma_padding_backtrack": 20, "clip_skip": 1, "emphasis": "Original",
           "names": {n: {"ids": cond.tokenize([n])[0], "vectors": int(e.vectors)} for n, e in db.word_embeddings.items()},
           "cases": cases, "batch": batch}, open(os.path.join(HERE, "embeddings.json"), "w"), indent=1)
st.save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(HERE, "embeddings_cond.safetensors"), metadata={"model": MODEL})
print("ok", {k: (c["token_count"], len(c["chunks"])) for k, c in cases.items()})
