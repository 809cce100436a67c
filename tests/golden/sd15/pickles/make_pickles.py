"""Writes the PyTorch pickles the checkpoint-reader tests read, with the installed PyTorch (see README.md).

Run from anywhere with /usr/bin/python3 (PyTorch 1.13, numpy); it rewrites every file of this folder except itself
and the README. Nothing here depends on the project's code: tensors come from the golden safetensors files (parsed
below from their JSON header) or from seeded torch calls, and every file is written by torch.save itself.
"""
import argparse
import json
import os
import shutil
import struct
import sys
import types
import zipfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SD15 = os.path.dirname(HERE)
FASTDVDNET_MANIFEST = os.path.join(SD15, "..", "loopback", "fastdvdnet", "weights_manifest.json")

NUMPY_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": np.int16, "I64": np.int64,
                "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
TORCH_NAMES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
               torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
               torch.bool: "BOOL"}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = np.frombuffer(data[8 + length + begin:8 + length + end], dtype=NUMPY_DTYPES[entry["dtype"]]).copy()
        t = torch.from_numpy(raw)
        if entry["dtype"] == "BF16":
            t = t.view(torch.bfloat16)
        tensors[name] = t.reshape(entry["shape"])
    return tensors


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.contiguous().reshape(-1)
        raw = t.view(torch.int16) if t.dtype == torch.bfloat16 else t
        data = raw.numpy().tobytes()
        header[name] = {"dtype": TORCH_NAMES[t.dtype], "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def lightning_stub():
    """A stand-in for pytorch_lightning's ModelCheckpoint, so pickles name it as real LDM checkpoints do."""
    names = ["pytorch_lightning", "pytorch_lightning.callbacks", "pytorch_lightning.callbacks.model_checkpoint"]
    for name in names:
        sys.modules.setdefault(name, types.ModuleType(name))
    cls = type("ModelCheckpoint", (), {"__module__": names[-1]})
    sys.modules[names[-1]].ModelCheckpoint = cls
    return cls


def ldm_wrapper(state_dict):
    """The top level of an LDM training checkpoint: the state dict next to Lightning's bookkeeping."""
    checkpoint = lightning_stub()
    instance = checkpoint()
    instance.best_model_score = np.float64(0.25)
    return {
        "epoch": 6,
        "global_step": 470000,
        "pytorch-lightning_version": "1.4.2",
        "state_dict": state_dict,
        "callbacks": {checkpoint: {"monitor": None, "best_model_score": np.float64(0.25), "dirpath": "/logs/checkpoints"}},
        "loops": instance,
        "hparams": argparse.Namespace(base_learning_rate=1e-4),
        "optimizer_states": [],
    }


def synthetic_tensors():
    """Views, offsets, shared storages and every dtype a state dict may hold."""
    torch.manual_seed(0)
    base = torch.arange(64, dtype=torch.float32) * 0.37 - 3
    half = torch.randn(3, 5).half()
    longs = torch.arange(-5, 7, dtype=torch.int64) * 1000000007
    flags = torch.randn(9) > 0
    return {
        "f32.base": base,
        "f32.offset": base[10:30],
        "f32.transposed": base[:48].view(6, 8).t(),
        "f32.strided": base[1::3],
        "f32.expanded": base[5:9].view(4, 1).expand(4, 3),
        "f32.scalar": base[7],
        "f32.empty": torch.empty(0, 3),
        "f16": half,
        "f16.columns": half[:, 1:4],
        "bf16.transposed": torch.randn(4, 6).bfloat16().t(),
        "f64": torch.randn(2, 3, dtype=torch.float64),
        "i64": longs,
        "i64.every_other": longs[::2],
        "i32": torch.tensor([-2147483648, 0, 2147483647], dtype=torch.int32),
        "i16": torch.tensor([[-32768, 1], [2, 32767]], dtype=torch.int16),
        "i8": torch.tensor([-128, 0, 127], dtype=torch.int8),
        "u8": torch.arange(0, 256, 17, dtype=torch.uint8),
        "bool": flags,
        "bool.middle": flags[2:7],
    }


def nested(tensors):
    """The synthetic tensors with one entry moved into a nested dict (read back as 'nested.inner')."""
    result = {k: v for k, v in tensors.items() if k != "f32.strided"}
    result["nested"] = {"inner": tensors["f32.strided"]}
    result["note"] = "plain values are skipped"
    result["count"] = 3
    return result


class Payload:
    """A pickle that runs os.system when loaded with pickle (never by our reader)."""

    def __reduce__(self):
        return os.system, ("echo this should never run",)


def fastdvdnet_state_dict():
    """
    The FastDVDNet state dict layout (names and shapes of the released model.pth, keys prefixed 'module.'), every tensor a
    view into one of three small shared storages: conv weights overlapping, non-contiguous views of a normal storage,
    BatchNorm statistics slices of a positive one, the batch counters 0-dim views of one int64 storage.
    """
    with open(FASTDVDNET_MANIFEST) as f:
        keys = json.load(f)["keys"]
    torch.manual_seed(5)
    normal = torch.randn(20011) * 0.05
    positive = 0.5 + torch.rand(4099)
    counters = torch.arange(100, dtype=torch.int64)
    state = {}
    for i, key in enumerate(keys):
        name, shape = key["name"], key["shape"]
        offset = (i * 97) % 1000
        if key["dtype"] == "torch.int64":
            state[name] = counters[i % 100]
        elif len(shape) == 4:
            o, c, kh, kw = shape
            state[name] = normal.as_strided(shape, (37, 13, kw, 1), offset)
        elif name.endswith(("running_var", ".weight")):
            state[name] = positive[offset:offset + shape[0]]
        else:
            state[name] = normal[offset:offset + 2 * shape[0]:2]
    return state, {"normal": normal, "positive": positive, "counters": counters}


def views_manifest(state, storages):
    """Where each tensor lies in its storage, so the tests can rebuild the same tensors without a pickle."""
    ptrs = {s.storage().data_ptr(): name for name, s in storages.items()}
    return {name: {"storage": ptrs[t.storage().data_ptr()], "offset": t.storage_offset(), "shape": list(t.shape),
                   "stride": list(t.stride())} for name, t in state.items()}


def write_malformed():
    """Files torch.save wrote, then damaged in one place each (what the tests expect is in README.md)."""
    legacy = os.path.join(HERE, "count-mismatch-legacy.pt")
    torch.save({"w": torch.arange(4.0)}, legacy, _use_new_zipfile_serialization=False)
    with open(legacy, "r+b") as f:  # the only storage: 8-byte element count, then 4 float32 values at the end
        f.seek(-(8 + 16), os.SEEK_END)
        f.write(struct.pack("<q", 1 << 40))
    source = os.path.join(HERE, "short-record-source.pt")
    torch.save({"w": torch.arange(1000.0)}, source)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(os.path.join(HERE, "short-record-zip.pt"), "w", zipfile.ZIP_STORED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item.filename, data[:len(data) // 2] if item.filename.endswith("data/0") else data)
    os.remove(source)


def main():
    legacy = {"_use_new_zipfile_serialization": False}
    sd = read_safetensors(os.path.join(SD15, "tiny-sd15-fp16.safetensors"))
    torch.save(ldm_wrapper(sd), os.path.join(HERE, "tiny-sd15-fp16.ckpt"))
    # The tiny model's head counts, where the command line looks for them (NAME.config.json beside NAME.ckpt).
    shutil.copy(os.path.join(SD15, "tiny-sd15.config.json"), os.path.join(HERE, "tiny-sd15-fp16.config.json"))
    text = {k: v for k, v in sd.items() if k.startswith("cond_stage_model.") or "." not in k}
    torch.save(text, os.path.join(HERE, "tiny-sd15-text-legacy.ckpt"), **legacy)

    tensors = synthetic_tensors()
    torch.save(nested(tensors), os.path.join(HERE, "tensors-zip.pt"))
    torch.save({"state_dict": nested(tensors), "global_step": 12, "epoch": np.int64(1)}, os.path.join(HERE, "tensors-legacy.pt"), **legacy)
    reference = dict(tensors)
    reference["nested.inner"] = reference.pop("f32.strided")
    write_safetensors(os.path.join(HERE, "tensors.safetensors"), {k: v.clone() for k, v in reference.items()})

    payload = {"weight": torch.ones(2), "payload": Payload()}
    torch.save(payload, os.path.join(HERE, "payload-zip.pt"))
    torch.save(payload, os.path.join(HERE, "payload-legacy.pt"), **legacy)

    write_malformed()

    state, storages = fastdvdnet_state_dict()
    torch.save(state, os.path.join(HERE, "fastdvdnet-legacy.pth"), **legacy)
    write_safetensors(os.path.join(HERE, "fastdvdnet-storages.safetensors"), storages)
    with open(os.path.join(HERE, "fastdvdnet-views.json"), "w") as f:
        json.dump(views_manifest(state, storages), f, indent=0)

    # Check what was written: torch.load gives back every tensor bit for bit.
    for name, expected in [("tensors-zip.pt", tensors), ("tensors-legacy.pt", tensors)]:
        loaded = torch.load(os.path.join(HERE, name))
        loaded = loaded.get("state_dict", loaded)
        loaded["f32.strided"] = loaded.pop("nested")["inner"]
        for k, v in expected.items():
            assert torch.equal(loaded[k], v) and loaded[k].dtype == v.dtype, (name, k)
    loaded = torch.load(os.path.join(HERE, "tiny-sd15-fp16.ckpt"))["state_dict"]
    assert all(torch.equal(loaded[k], v) for k, v in sd.items())
    print("torch", torch.__version__, "numpy", np.__version__)


if __name__ == "__main__":
    main()
