"""Golden data for WebUI's sampler options (eta, s_churn, s_tmin, s_tmax, s_noise) and the GPU randn source on a CPU.

Runs the real k-diffusion samplers (crowsonkb/k-diffusion ab527a9a, /work/upstream/k-diffusion) on the toy denoiser of
../README.md with recorded noise, and WebUI's modules/rng.py (/work/upstream/webui-rng) with randn_source 'GPU' on a CPU
device. Only modules that do not touch the math are stubbed (listed in README.md). Run: /usr/bin/python3 make_golden.py
"""
import json
import os
import sys
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
KDIFF = "/work/upstream/k-diffusion"
WEBUI = "/work/upstream/webui-rng"


def stub(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


# Stubs: progress bars, and imports only used by functions never called here.
stub("tqdm"); stub("tqdm.auto", trange=lambda n, disable=None: range(n), tqdm=None)
stub("scipy"); stub("scipy.integrate", quad=None)
stub("torchdiffeq", odeint=None)
stub("torchsde", BrownianTree=None, BrownianInterval=None)
stub("PIL", Image=None); stub("PIL.Image")
stub("torchvision"); stub("torchvision.transforms"); stub("torchvision.transforms.functional")
package = stub("k_diffusion")
package.__path__ = [os.path.join(KDIFF, "k_diffusion")]
import importlib  # noqa: E402
utils = importlib.import_module("k_diffusion.utils")
sampling = importlib.import_module("k_diffusion.sampling")

SIGMA_MIN, SIGMA_MAX = 0.029167532920837402, 14.614642143249512


def toy_denoiser(x, sigma):
    s = sigma.reshape(-1, 1, 1, 1)
    return x * (1 / (1 + s * s)) + 0.1 * torch.tanh(x)


class RecordedNoise:
    """Hands out the next tensor of a fixed pool: WebUI's TorchHijack.randn_like route and the SDE noise_sampler route."""

    def __init__(self, seed, size=64):
        g = torch.Generator().manual_seed(seed)
        self.pool = torch.randn([size, 1, 4, 8, 8], generator=g)
        self.drawn = 0
        self.log = []

    def take(self, route):
        noise = self.pool[self.drawn]
        self.drawn += 1
        self.log.append(route)
        return noise

    def __getattr__(self, item):  # stands in for k_diffusion.sampling.torch
        if item == "randn_like":
            return lambda x: self.take("randn_like")
        return getattr(torch, item)


CASES = [
    # name, WebUI sampler, k-diffusion function, kwargs as WebUI would pass them
    ("Euler a/eta0.5", "Euler a", "sample_euler_ancestral", dict(eta=0.5)),
    ("DPM2 a/eta0.5", "DPM2 a", "sample_dpm_2_ancestral", dict(eta=0.5)),
    ("DPM++ 2S a/eta0.5", "DPM++ 2S a", "sample_dpmpp_2s_ancestral", dict(eta=0.5)),
    ("DPM++ SDE/eta0.5", "DPM++ SDE", "sample_dpmpp_sde", dict(eta=0.5)),
    ("DPM++ 2M SDE/eta0.5", "DPM++ 2M SDE", "sample_dpmpp_2m_sde", dict(eta=0.5)),
    ("DPM++ 2M SDE/eta0", "DPM++ 2M SDE", "sample_dpmpp_2m_sde", dict(eta=0.0)),
    ("Euler/churn0.5", "Euler", "sample_euler", dict(s_churn=0.5)),
    ("Euler/churn5_capped", "Euler", "sample_euler", dict(s_churn=5.0)),
    ("Euler/churn1_window", "Euler", "sample_euler", dict(s_churn=1.0, s_tmin=0.5, s_tmax=5.0)),
    ("Euler/churn1_noise0.9", "Euler", "sample_euler", dict(s_churn=1.0, s_noise=0.9)),
    ("Heun/churn0.5", "Heun", "sample_heun", dict(s_churn=0.5)),
    ("Heun/churn1_window", "Heun", "sample_heun", dict(s_churn=1.0, s_tmin=0.5, s_tmax=5.0)),
    ("Heun/churn1_noise0.9", "Heun", "sample_heun", dict(s_churn=1.0, s_noise=0.9)),
    ("DPM2/churn0.5", "DPM2", "sample_dpm_2", dict(s_churn=0.5)),
    ("DPM2/churn1_window", "DPM2", "sample_dpm_2", dict(s_churn=1.0, s_tmin=0.5, s_tmax=5.0)),
    ("DPM2/churn1_noise0.9", "DPM2", "sample_dpm_2", dict(s_churn=1.0, s_noise=0.9)),
]


def run_case(index, name, sampler, function, kwargs, sigmas, tensors, meta):
    noise = RecordedNoise(1000 + index)
    sampling.torch = noise
    x_unit = torch.randn([1, 4, 8, 8], generator=torch.Generator().manual_seed(42))
    x_init = x_unit * sigmas[0]
    xs, denoiseds, calls = [], [], []

    def model(x, sigma):
        calls.append(float(sigma[0]))
        return toy_denoiser(x, sigma)

    def callback(d):
        xs.append(d["x"].clone())
        denoiseds.append(d["denoised"].clone())

    extra = {}
    if sampler in ("DPM++ SDE", "DPM++ 2M SDE"):  # WebUI's brownian_noise samplers get a noise_sampler, the rest randn_like
        extra["noise_sampler"] = lambda sigma, sigma_next: noise.take("noise_sampler")
    final = getattr(sampling, function)(model, x_init.clone(), sigmas, callback=callback, disable=True, **kwargs, **extra)
    sampling.torch = torch
    tensors[f"{name}/x_init"] = x_init
    tensors[f"{name}/x_callback"] = torch.stack(xs)
    tensors[f"{name}/denoised_callback"] = torch.stack(denoiseds)
    tensors[f"{name}/x_final"] = final
    tensors[f"{name}/noises"] = noise.pool[:noise.drawn].reshape(-1, 4, 8, 8).clone()
    meta["kwargs"] = kwargs
    meta["n_noise_draws"] = noise.drawn
    meta["noise_draw_log"] = noise.log
    meta["model_call_sigmas"] = calls


def gpu_source_noise(tensors, cases):
    """WebUI's ImageRNG with randn_source 'GPU' on a CPU device (devices.device = cpu)."""
    sys.path.insert(0, WEBUI)
    modules = stub("modules")
    modules.__path__ = [os.path.join(WEBUI, "modules")]
    cpu = torch.device("cpu")
    opts = types.SimpleNamespace(randn_source="GPU", eta_noise_seed_delta=0)
    devices = stub("modules.devices", device=cpu, cpu=cpu)
    shared = stub("modules.shared", opts=opts, device=cpu)
    stub("modules.rng_philox", Generator=None)  # only the NV source uses it
    modules.devices, modules.shared = devices, shared
    rng = importlib.import_module("modules.rng")
    for name, seeds, subseeds, strength, ensd in [
        ("seed1234", [1234], None, 0.0, 0),
        ("batch_seeds_7_8", [7, 8], None, 0.0, 0),
        ("variation", [1234], [5678], 0.3, 0),
        ("ensd31337", [1234], None, 0.0, 31337),
    ]:
        opts.eta_noise_seed_delta = ensd
        generator = rng.ImageRNG((4, 8, 8), seeds, subseeds=subseeds, subseed_strength=strength)
        tensors[f"GPU/{name}/first"] = generator.next()
        tensors[f"GPU/{name}/next"] = torch.stack([generator.next() for _ in range(2)])
        cases[f"GPU/{name}"] = dict(seeds=seeds, subseeds=subseeds, subseed_strength=strength, eta_noise_seed_delta=ensd,
                                    shape=[4, 8, 8], device="cpu", next_count=2)


def main():
    from safetensors_writer import write  # small local helper: the standard safetensors layout, no dependency
    sigmas = sampling.get_sigmas_karras(10, SIGMA_MIN, SIGMA_MAX)
    tensors, cases = {}, {}
    for i, (name, sampler, function, kwargs) in enumerate(CASES):
        meta = dict(sampler=sampler, function=function, sigmas=[float(s) for s in sigmas])
        run_case(i, name, sampler, function, kwargs, sigmas, tensors, meta)
        cases[name] = meta
    noise_cases = {}
    gpu_source_noise(tensors, noise_cases)
    write(os.path.join(HERE, "sampler_options.safetensors"), tensors)
    with open(os.path.join(HERE, "sampler_options.json"), "w") as f:
        json.dump(dict(schedule="karras(10, sigma_min, sigma_max) + [0]", cases=cases, noise_cases=noise_cases), f, indent=1)


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
