"""Runs sd-webui-controlnet's own model-free preprocessors on small images and saves inputs, outputs and a case list.

Upstream: Mikubill/sd-webui-controlnet @ 56cec5b2958edf3b1807b7e7b2b1b5186dbd2f81, extracted to /work/upstream/sd-webui-controlnet.
Run with Debian's /usr/bin/python3 (numpy 1.24, cv2 4.6) from this folder: python3 make_golden.py
Only WebUI modules and unused third-party imports are stubbed (see README.md); the preprocessor code runs unmodified.
"""
import json
import os
import sys
import types

import cv2
import numpy as np

UPSTREAM = "/work/upstream/sd-webui-controlnet"
HERE = os.path.dirname(os.path.abspath(__file__))


def stub(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


def package(name, path):
    module = stub(name)
    module.__path__ = [path]
    return module


# WebUI modules (none of them touches the preprocessor math).
stub("modules")
stub("modules.shared", cmd_opts=types.SimpleNamespace(), opts=types.SimpleNamespace(data={}))
stub("modules.devices", get_device_for=lambda *_: "cpu", device="cpu", cpu="cpu", dtype=None)
stub("modules.safe", Extra=object, unsafe_torch_load=None)
stub("modules.modelloader", load_file_from_url=None)
# Third-party imports used only by unrelated helpers of the same files.
stub("einops", rearrange=None)
stub("safetensors")
stub("safetensors.torch")
stub("transformers")
stub("transformers.models")
stub("transformers.models.clip")
stub("transformers.models.clip.modeling_clip", CLIPVisionModelOutput=object)

sys.path.insert(0, UPSTREAM)
# Package shells so that importing one preprocessor file does not run scripts/preprocessor/__init__.py (which loads every
# network annotator).
package("scripts", os.path.join(UPSTREAM, "scripts"))
package("scripts.preprocessor", os.path.join(UPSTREAM, "scripts", "preprocessor"))
package("scripts.preprocessor.legacy", os.path.join(UPSTREAM, "scripts", "preprocessor", "legacy"))

from annotator.util import HWC3  # noqa: E402
import scripts.preprocessor.model_free_preprocessors as model_free  # noqa: E402
import scripts.preprocessor.inpaint as inpaint  # noqa: E402  (registers inpaint_only)
import scripts.preprocessor.legacy.processor as legacy  # noqa: E402
from scripts.supported_preprocessor import Preprocessor  # noqa: E402


def legacy_call(function):
    """As LegacyPreprocessor.__call__: the function's image result goes through HWC3."""
    def call(img, res, a, b):
        result, is_image = function(img=img, res=res, thr_a=a, thr_b=b)
        return HWC3(result) if is_image else result
    return call


def new_call(name):
    p = Preprocessor.get_preprocessor(name)

    def call(img, res, a, b):
        result = p(img, resolution=res, slider_1=a, slider_2=b)
        return result.value if isinstance(result, Preprocessor.Result) else result
    return call


# module -> how WebUI calls it at this commit (new-style classes win; the legacy dict entries for these are commented out).
MODULES = {
    "none": new_call("none"),
    "canny": new_call("canny"),
    "invert": new_call("invert"),
    "scribble_xdog": new_call("scribble_xdog"),
    "shuffle": new_call("shuffle"),
    "inpaint_only": new_call("inpaint_only"),
    "threshold": legacy_call(legacy.threshold),
    "tile_resample": legacy_call(legacy.tile_resample),
    "tile_colorfix": legacy_call(legacy.identity),
    "tile_colorfix+sharp": legacy_call(legacy.identity),
    "lineart_standard": legacy_call(legacy.lineart_standard),
}

# (module, processor_res, threshold_a, threshold_b, seed): the defaults WebUI resolves for an unset (-1) slider, then one
# non-default setting. Shuffle's resolution slider accepts only [0, 1], so WebUI always resets it to 512.
SETTINGS = [
    ("none", 512, 0.5, 0.5, None),
    ("canny", 512, 100, 200, None), ("canny", 96, 50, 120, None), ("canny", 64, 100, 200, None),
    ("invert", 0.5, 0.5, 0.5, None),
    ("threshold", 512, 127, 0.5, None), ("threshold", 96, 90, 0.5, None), ("threshold", 64, 127, 0.5, None),
    ("scribble_xdog", 512, 32, 0.5, None), ("scribble_xdog", 96, 12, 0.5, None),
    ("scribble_xdog", 64, 32, 0.5, None),
    ("tile_resample", 512, 1.0, 0.5, None), ("tile_resample", 512, 2.5, 0.5, None), ("tile_resample", 512, 1.7, 0.5, None),
    ("tile_colorfix", 512, 8.0, 0.5, None), ("tile_colorfix+sharp", 512, 8.0, 1.0, None),
    ("inpaint_only", 0.5, 0.5, 0.5, None),
    ("shuffle", 512, 0.5, 0.5, 12345), ("shuffle", 512, 0.5, 0.5, 4294967295),
    ("lineart_standard", 512, 0.5, 0.5, None), ("lineart_standard", 96, 0.5, 0.5, None),
]


def make_inputs():
    """Two odd-sized RGB images: a crop of the ControlNet golden hint_A.png and a synthetic drawing with lines and shapes."""
    hint = cv2.cvtColor(cv2.imread(os.path.join(HERE, "..", "controlnet", "hint_A.png")), cv2.COLOR_BGR2RGB)
    crop = np.ascontiguousarray(hint[5:122, 9:92])  # 117 x 83
    rng = np.random.RandomState(7)
    h, w = 71, 97
    yy, xx = np.mgrid[0:h, 0:w]
    drawing = np.stack([xx * 255 // (w - 1), yy * 255 // (h - 1), np.full((h, w), 200)], axis=2).astype(np.uint8)
    cv2.circle(drawing, (30, 35), 18, (20, 40, 230), -1)
    cv2.rectangle(drawing, (55, 10), (90, 40), (250, 250, 250), -1)
    cv2.line(drawing, (5, 65), (92, 50), (0, 0, 0), 2)
    cv2.line(drawing, (60, 45), (62, 70), (10, 10, 10), 1)
    drawing = np.clip(drawing.astype(np.int16) + rng.randint(-6, 7, drawing.shape), 0, 255).astype(np.uint8)
    return {"crop_117x83": crop, "drawing_71x97": drawing}


def save_png(path, rgb):
    assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3, rgb.shape
    cv2.imwrite(path, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


def main():
    os.makedirs(os.path.join(HERE, "inputs"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "outputs"), exist_ok=True)
    inputs = make_inputs()
    cases = []
    for name, image in inputs.items():
        save_png(os.path.join(HERE, "inputs", name + ".png"), image)
        for module, res, a, b, seed in SETTINGS:
            if module == "shuffle" and name != "drawing_71x97":
                continue  # one image is enough for the random flow; keeps the set small
            if seed is not None:
                np.random.seed(seed)  # what scripts/controlnet.py set_numpy_seed does before every preprocessor call
            result = MODULES[module](np.ascontiguousarray(image.copy()), res, a, b)
            result = HWC3(result)  # detectmap_proc's first step for every non-inpaint module
            case = f"{name}.{module}.r{res}.a{a}.b{b}" + (f".s{seed}" if seed is not None else "")
            out_name = case.replace("+", "plus") + ".png"
            save_png(os.path.join(HERE, "outputs", out_name), result)
            cases.append({"case": case, "input": "inputs/" + name + ".png", "module": module, "processor_res": res,
                          "threshold_a": a, "threshold_b": b, "seed": seed, "output": "outputs/" + out_name,
                          "shape": list(result.shape)})
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump({"upstream": "Mikubill/sd-webui-controlnet@56cec5b2958edf3b1807b7e7b2b1b5186dbd2f81",
                   "cv2": cv2.__version__, "numpy": np.__version__, "cases": cases}, f, indent=1)
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
