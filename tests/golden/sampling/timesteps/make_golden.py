"""Golden trajectories for WebUI's LCM, UniPC, PLMS and DDIM CFG++ samplers (v1.10.1), from the real upstream code.

Run: /usr/bin/python3 make_golden.py  (torch 1.13, CPU). Reads /work/upstream/webui (WebUI modules saved from the
index, see README) and /work/upstream/k-diffusion (commit ab527a9a); writes timesteps.json + timesteps.safetensors here.
Only modules that do not change the math are stubbed (listed in README.md).
"""
import json
import os
import struct
import sys
import types

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
WEBUI = '/work/upstream/webui'
KDIFF = '/work/upstream/k-diffusion'


def stub(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


# --- stubs (README lists them) -------------------------------------------------------------------------------
def passthrough_trange(*args, **kwargs):
    kwargs.pop('disable', None)
    return range(*args)


stub('tqdm', trange=passthrough_trange, tqdm=lambda it=None, **k: it)
stub('tqdm.auto', trange=passthrough_trange, tqdm=lambda it=None, **k: it)
stub('scipy', integrate=stub('scipy.integrate'))
stub('torchdiffeq', odeint=None)
stub('torchsde')
tv = stub('torchvision', transforms=stub('torchvision.transforms', functional=stub('torchvision.transforms.functional')))

kd = stub('k_diffusion')            # bypass k_diffusion/__init__.py (it imports training-only modules)
kd.__path__ = [os.path.join(KDIFF, 'k_diffusion')]

ALPHAS = torch.tensor(json.load(open(os.path.join(HERE, '..', 'schedules.json')))['model']['alphas_cumprod_float32'],
                      dtype=torch.float32)


class Opts:  # shared.opts, defaults of shared_options.py v1.10.1
    uni_pc_variant = 'bh1'
    uni_pc_skip_type = 'time_uniform'
    uni_pc_order = 3
    uni_pc_lower_order_final = True


shared = types.SimpleNamespace(opts=Opts(), sd_model=types.SimpleNamespace(device=torch.device('cpu')))
modules = stub('modules', shared=shared)
modules.__path__ = [os.path.join(WEBUI, 'modules')]
sys.modules['modules.shared'] = shared


def float64(t):  # modules/torch_utils.py float64 (v1.10.1): float32 only on mps/xpu
    return torch.float32 if t.device.type in ['mps', 'xpu'] else torch.float64


stub('modules.torch_utils', float64=float64)
stub('modules.sd_samplers_cfg_denoiser', CFGDenoiser=torch.nn.Module)
stub('modules.sd_samplers_kdiffusion', KDiffusionSampler=object)
stub('modules.sd_samplers_common', SamplerData=lambda *a: a)

import k_diffusion.sampling as kds  # noqa: E402
from modules import sd_samplers_timesteps_impl as impl  # noqa: E402
from modules import sd_samplers_lcm as lcm  # noqa: E402


# --- recorded noise: WebUI's TorchHijack makes k_diffusion.sampling.torch.randn_like return p.rng.next() ----------
class RecordedTorch:
    def __init__(self, pool):
        self.pool, self.drawn = pool, 0

    def __getattr__(self, item):
        return getattr(torch, item)

    def randn_like(self, x):
        noise = self.pool[self.drawn].reshape(x.shape).clone()
        self.drawn += 1
        return noise


# --- toy models --------------------------------------------------------------------------------------------------
def toy_eps(x, t, sign):
    """eps(x, t) = 0.5 tanh(x) + 0.1 (t/1000) x + sign·0.05 (sign +1 for the prompt row, -1 for the negative)."""
    t = t.to(torch.float32).reshape(-1, 1, 1, 1)
    return 0.5 * torch.tanh(x) + 0.1 * (t / 1000) * x + sign * 0.05


class ToyCfgTimesteps(torch.nn.Module):
    """Stands in for CFGDenoiserTimesteps with one prompt and one negative prompt: the model batch is [x (cond), x
    (uncond)], x_out = eps of both rows, last_noise_uncond = clone of the uncond rows when need_last_noise_uncond,
    result = uncond + (cond − uncond)·(cond_scale·cond_scale_miltiplier) (combine_denoised with weight 1)."""

    def __init__(self):
        super().__init__()
        self.inner_model = types.SimpleNamespace(inner_model=types.SimpleNamespace(alphas_cumprod=ALPHAS))
        self.cond_scale_miltiplier = 1.0
        self.need_last_noise_uncond = False
        self.last_noise_uncond = None
        self.calls = []

    def forward(self, x, t, cond_scale):
        self.calls.append(float(t[0]))
        x_out = torch.cat([toy_eps(x, t, 1.0), toy_eps(x, t, -1.0)])
        uncond = x_out[-x.shape[0]:]
        if self.need_last_noise_uncond:
            self.last_noise_uncond = torch.clone(uncond)
        denoised = torch.clone(uncond)
        for i in range(x.shape[0]):
            denoised[i] += (x_out[i] - uncond[i]) * (1.0 * cond_scale * self.cond_scale_miltiplier)
        return denoised


class ToyLcmModel:
    """shared.sd_model for LCMCompVisDenoiser: alphas_cumprod and apply_model(x, t) = toy eps (prompt row)."""

    def __init__(self):
        self.alphas_cumprod = ALPHAS
        self.device = torch.device('cpu')
        self.calls = []

    def apply_model(self, x, t):
        self.calls.append(float(t[0]))
        return toy_eps(x, t, 1.0)


def get_timesteps(steps):  # CompVisSampler.get_timesteps (discard_next_to_last_sigma off)
    return torch.clip(torch.asarray(list(range(0, 1000, 1000 // steps))) + 1, 0, 999)


# --- cases -------------------------------------------------------------------------------------------------------
X_UNIT = torch.randn([1, 4, 8, 8], generator=torch.Generator().manual_seed(42))
INIT_LATENT = torch.randn([1, 4, 8, 8], generator=torch.Generator().manual_seed(7))
POOL = torch.randn([64, 1, 4, 8, 8], generator=torch.Generator().manual_seed(1234))
CFG_SCALE = 7.0

tensors, cases = {}, {}


def record(name, meta, x_init, run, model_calls, torch_proxy):
    xs, denoised = [], []

    def callback(d):
        xs.append(d['x'].clone())
        if d['denoised'] is not None:
            denoised.append(d['denoised'].clone())

    final = run(callback)
    tensors[name + '/x_init'] = x_init
    tensors[name + '/x_callback'] = torch.stack(xs)
    tensors[name + '/denoised_callback'] = torch.stack(denoised)
    tensors[name + '/x_final'] = final
    if torch_proxy.drawn:
        tensors[name + '/noises'] = POOL[:torch_proxy.drawn].reshape(torch_proxy.drawn, 4, 8, 8)
    meta.update(n_callbacks=len(xs), n_denoised=len(denoised), n_noise_draws=torch_proxy.drawn, model_calls=model_calls)
    cases[name] = meta


def run_timesteps(label, func, steps, denoise, variant='bh1'):
    Opts.uni_pc_variant = variant
    full = get_timesteps(steps)
    extra = {}
    if denoise is None:
        timesteps, x_init, meta = full, X_UNIT.clone(), dict(mode='txt2img')
    else:
        t_enc = int(min(denoise, 0.999) * steps)  # setup_img2img_steps, img2img_fix_steps off
        timesteps = full[:t_enc]
        a = ALPHAS[full[t_enc]]
        x_init = INIT_LATENT * torch.sqrt(a) + X_UNIT * torch.sqrt(1 - a)  # CompVisSampler.sample_img2img: xi
        meta = dict(mode='img2img', denoise=denoise, t_enc=t_enc, noise_timestep=int(full[t_enc]))
        if label == 'UniPC':
            extra['is_img2img'] = True
    meta.update(sampler=label, steps=steps, cfg_scale=CFG_SCALE, timesteps=[int(t) for t in timesteps], variant=variant)
    model = ToyCfgTimesteps()
    proxy = RecordedTorch(POOL)
    kds.torch = proxy
    name = f'{label}/{meta["mode"]}/steps{steps}' + (f'/denoise{denoise}' if denoise is not None else '')
    if variant != 'bh1':
        name += '/' + variant
    record(name, meta, x_init,
           lambda cb: func(model, x_init.clone(), timesteps, extra_args={'cond_scale': CFG_SCALE}, callback=cb, **extra),
           model.calls, proxy)
    kds.torch = torch


def run_lcm(steps, denoise):
    sd_model = ToyLcmModel()
    shared.sd_model = sd_model
    wrap = lcm.LCMCompVisDenoiser(sd_model)
    sigmas = wrap.get_sigmas(steps)  # KDiffusionSampler.get_sigmas, scheduler Automatic: LCM has none -> model_wrap
    if denoise is None:
        sched, x_init, meta = sigmas, X_UNIT * sigmas[0], dict(mode='txt2img')
    else:
        t_enc = int(min(denoise, 0.999) * steps)
        sched = sigmas[steps - t_enc - 1:]
        x_init = INIT_LATENT + X_UNIT * sched[0]  # KDiffusionSampler.sample_img2img: xi
        meta = dict(mode='img2img', denoise=denoise, t_enc=t_enc)
    meta.update(sampler='LCM', steps=steps, sigmas_full=[float(s) for s in sigmas], sigmas=[float(s) for s in sched])
    proxy = RecordedTorch(POOL)
    kds.torch = proxy
    name = f'LCM/{meta["mode"]}/steps{steps}' + (f'/denoise{denoise}' if denoise is not None else '')
    record(name, meta, x_init, lambda cb: lcm.sample_lcm(wrap, x_init.clone(), sched, callback=cb), sd_model.calls, proxy)
    kds.torch = torch


for steps in (10, 20):
    for denoise in (None, 0.5, 0.75):
        run_timesteps('DDIM CFG++', impl.ddim_cfgpp, steps, denoise)
        run_timesteps('PLMS', impl.plms, steps, denoise)
        run_timesteps('UniPC', impl.unipc, steps, denoise)
run_timesteps('UniPC', impl.unipc, 10, None, variant='bh2')
run_timesteps('UniPC', impl.unipc, 10, 0.75, variant='bh2')
for steps in (4, 10, 20):
    for denoise in (None, 0.5, 0.75):
        run_lcm(steps, denoise)
lcm_model = lcm.LCMCompVisDenoiser(ToyLcmModel())
lcm_table = dict(sigmas=[float(s) for s in lcm_model.sigmas], get_sigmas={n: [float(s) for s in lcm_model.get_sigmas(n)]
                                                                           for n in (1, 2, 3, 4, 6, 8, 10, 20, 30, 50)})

# the restated img2img wrapper lines agree with the real CompVisSampler.sample_img2img run of ../img2img.json
reference = json.load(open(os.path.join(HERE, '..', 'img2img.json')))['schedule_table']
for steps in (10, 20):
    for denoise in (0.5, 0.75):
        row = reference[f'DDIM|steps={steps}|denoise={denoise}']
        t_enc = int(min(denoise, 0.999) * steps)
        assert row['t_enc'] == t_enc and row['timesteps_sched'] == [int(t) for t in get_timesteps(steps)[:t_enc]], row


def write_safetensors(path, named):
    header, blobs, offset = {}, [], 0
    for key in sorted(named):
        data = named[key].detach().to(torch.float32).contiguous().numpy().astype('<f4').tobytes()
        header[key] = {'dtype': 'F32', 'shape': list(named[key].shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(',', ':')).encode()
    raw += b' ' * ((8 - len(raw) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(raw)) + raw + b''.join(blobs))


tensors['x_unit'], tensors['init_latent'] = X_UNIT, INIT_LATENT
write_safetensors(os.path.join(HERE, 'timesteps.safetensors'), tensors)
with open(os.path.join(HERE, 'timesteps.json'), 'w') as f:
    json.dump(dict(x_seed=42, init_latent_seed=7, noise_pool_seed=1234, cfg_scale=CFG_SCALE, lcm=lcm_table, cases=cases),
              f, indent=1)
print(len(cases), 'cases,', len(tensors), 'tensors')
