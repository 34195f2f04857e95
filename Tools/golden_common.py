"""Shared helpers for Tools/make-golden.py (and any other tool that needs the reference model).

Nothing here contains reference code: the authors' MobileViGv2 implementation is imported at run
time from a checkout given on the command line (``load_reference``).

Contents
  load_reference(dir)          import DIR/models/mobilevigv2.py as a module (timm 1.x shims)
  smooth_images(gen, n, size)  deterministic smooth random RGB images, ImageNet-normalized
  photo_tensor(path, size)     a photo through timm's eval transform (crop_pct 0.9, bicubic)
  randomize_parameters(model)  "trained-looking" weights (non-zero biases, BN affine, layer scales)
  reestimate_bn(model, batches)  BN running statistics from data (cumulative average)
  block_modules(model)         the modules whose outputs are recorded as activations, in order
  forward_with_activations     logits + per-block activations of one input
  cast_state_dict(sd, dtype)   float tensors cast (for the fp16 / bf16 checkpoint forms)
"""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
import types
import warnings
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CROP_PCT = 0.9
INTERPOLATION = "bicubic"


# --------------------------------------------------------------------------------------------
# Reference import


def _ensure_timm_shims() -> None:
    """The reference imports timm.models.layers.DropPath and timm.models.registry.register_model.
    timm 1.x still provides both (deprecated, with a FutureWarning); if a later timm drops them,
    alias them to their new homes instead of editing the reference."""
    import timm  # noqa: F401

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import timm.models.layers  # noqa: F401
        except ImportError:
            import timm.layers as new_layers

            sys.modules["timm.models.layers"] = new_layers
        try:
            import timm.models.registry  # noqa: F401
        except ImportError:
            shim = types.ModuleType("timm.models.registry")
            from timm.models import register_model

            shim.register_model = register_model
            sys.modules["timm.models.registry"] = shim


def load_reference(ref_dir: str | Path) -> types.ModuleType:
    """Import DIR/models/mobilevigv2.py under the module name ``mobilevigv2_reference``.
    Note: the reference module calls warnings.filterwarnings('ignore') at import time."""
    path = Path(ref_dir) / "models" / "mobilevigv2.py"
    if not path.is_file():
        raise SystemExit(f"error: {path} not found (--reference must be a MobileViGv2 checkout)")
    name = "mobilevigv2_reference"
    if name in sys.modules:
        return sys.modules[name]
    _ensure_timm_shims()
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # timm's register_model looks the module up by name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec.loader.exec_module(module)
    return module


def reference_info(ref_dir: str | Path) -> dict:
    """Commit of the checkout (or 'unknown') and the sha256 of models/mobilevigv2.py."""
    ref_dir = Path(ref_dir)
    try:
        commit = subprocess.run(
            ["git", "-C", str(ref_dir), "rev-parse", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        # Only trust it if DIR itself is the top of that repository.
        top = subprocess.run(
            ["git", "-C", str(ref_dir), "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        if Path(top).resolve() != ref_dir.resolve():
            commit = "unknown"
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    digest = hashlib.sha256((ref_dir / "models" / "mobilevigv2.py").read_bytes()).hexdigest()
    return {"commit": commit, "models/mobilevigv2.py sha256": digest}


# --------------------------------------------------------------------------------------------
# Inputs


def normalize(x01: torch.Tensor) -> torch.Tensor:
    """(N,3,H,W) in [0,1] -> ImageNet-normalized."""
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (x01 - mean) / std


def smooth_images(gen: torch.Generator, n: int, size: int) -> torch.Tensor:
    """n smooth random RGB images (N,3,size,size), float32, ImageNet-normalized.

    Sum of bicubically upsampled uniform noise at three scales (coarse blobs + medium texture +
    a little fine grain), with a random per-image brightness and contrast, clamped to [0,1].
    """
    imgs = torch.zeros(n, 3, size, size)
    for cells, weight in ((3, 0.55), (max(4, size // 8), 0.3), (max(8, size // 2), 0.15)):
        noise = torch.rand(n, 3, cells, cells, generator=gen)
        imgs += weight * F.interpolate(noise, size=(size, size), mode="bicubic", align_corners=False)
    contrast = 0.6 + 0.9 * torch.rand(n, 1, 1, 1, generator=gen)
    bright = 0.35 * (torch.rand(n, 3, 1, 1, generator=gen) - 0.5)
    imgs = (imgs - 0.5) * contrast + 0.5 + bright
    return normalize(imgs.clamp(0.0, 1.0)).contiguous()


def dead_leaves_images(gen: torch.Generator, n: int, size: int, shapes: int = 120) -> torch.Tensor:
    """n "dead leaves" images (N,3,size,size), ImageNet-normalized: overlapping discs with
    power-law radii and random colours over a smooth background, plus a little smooth shading.
    They have the sharp edges and scale mix of photos, so BatchNorm statistics estimated on them
    also suit real photos (smooth noise alone under-represents high frequencies)."""
    yy, xx = torch.meshgrid(torch.arange(size, dtype=torch.float32),
                            torch.arange(size, dtype=torch.float32), indexing="ij")
    imgs = F.interpolate(torch.rand(n, 3, 3, 3, generator=gen), size=(size, size),
                         mode="bicubic", align_corners=False)
    rmin, rmax = size / 64, size / 4
    for i in range(n):
        u = torch.rand(shapes, generator=gen)
        radius = rmin * (rmax / rmin) ** u  # log-uniform radii
        cy = torch.rand(shapes, generator=gen) * size
        cx = torch.rand(shapes, generator=gen) * size
        colour = torch.rand(shapes, 3, generator=gen)
        for j in range(shapes):
            mask = (yy - cy[j]) ** 2 + (xx - cx[j]) ** 2 <= radius[j] ** 2
            imgs[i][:, mask] = colour[j].view(3, 1)
    shade = F.interpolate(torch.rand(n, 1, 4, 4, generator=gen), size=(size, size),
                          mode="bicubic", align_corners=False)
    imgs = imgs * (0.6 + 0.6 * shade)
    return normalize(imgs.clamp(0.0, 1.0)).contiguous()


def photo_crops(gen: torch.Generator, path: str | Path, n: int, size: int) -> torch.Tensor:
    """n random crops of a photo (RandomResizedCrop-like: 25..100 % of the area, aspect 3/4..4/3,
    random horizontal flip), bicubic-resized to size x size, ImageNet-normalized."""
    from PIL import Image
    from torchvision.transforms import functional as TF

    with Image.open(path) as im:
        im = im.convert("RGB")
    w, h = im.size
    out = []
    for _ in range(n):
        area = w * h * (0.25 + 0.75 * torch.rand(1, generator=gen).item())
        aspect = (3 / 4) * (16 / 9) ** torch.rand(1, generator=gen).item()
        cw = min(w, max(8, round((area * aspect) ** 0.5)))
        ch = min(h, max(8, round((area / aspect) ** 0.5)))
        x0 = int(torch.randint(0, w - cw + 1, (1,), generator=gen))
        y0 = int(torch.randint(0, h - ch + 1, (1,), generator=gen))
        crop = im.crop((x0, y0, x0 + cw, y0 + ch)).resize((size, size), Image.Resampling.BICUBIC)
        if torch.rand(1, generator=gen).item() < 0.5:
            crop = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        out.append(TF.to_tensor(crop))
    return normalize(torch.stack(out)).contiguous()


def calibration_batches(gen: torch.Generator, n: int, size: int, batch: int = 4,
                        photo: str | Path | None = None):
    """Batches for BN re-estimation. Image i is of kind i mod 3 (i mod 2 without a photo):
    smooth noise, dead leaves, random crop of `photo`; so every batch mixes kinds and the
    statistics also suit real photos."""
    kinds = 3 if photo is not None else 2
    for b in range(max(1, n // batch)):
        imgs = []
        for i in range(b * batch, (b + 1) * batch):
            k = i % kinds
            if k == 0:
                imgs.append(smooth_images(gen, 1, size))
            elif k == 1:
                imgs.append(dead_leaves_images(gen, 1, size))
            else:
                imgs.append(photo_crops(gen, photo, 1, size))
        yield torch.cat(imgs)


def eval_transform(size: int):
    """timm's evaluation transform as the reference evaluation uses it."""
    from timm.data import create_transform

    return create_transform(
        input_size=size, crop_pct=CROP_PCT, interpolation=INTERPOLATION,
        mean=IMAGENET_MEAN, std=IMAGENET_STD,
    )


def photo_tensor(path: str | Path, size: int) -> tuple[torch.Tensor, str]:
    """(1,3,size,size) float32 tensor of a photo via timm's eval transform, and the transform repr."""
    from PIL import Image

    tf = eval_transform(size)
    with Image.open(path) as im:
        x = tf(im.convert("RGB"))
    return x.unsqueeze(0).contiguous().float(), repr(tf)


# --------------------------------------------------------------------------------------------
# Parameters


@torch.no_grad()
def randomize_parameters(model: torch.nn.Module, bias_std: float = 0.1, head_gain: float = 3.0) -> None:
    """Turn the reference init into trained-looking weights, using the global torch RNG.

    conv weights: kept from the reference init (kaiming normal, fan_in); conv biases ~ N(0, bias_std)
    BatchNorm2d:  weight ~ U(0.5, 1.5), bias ~ N(0, 0.2); running stats reset (see reestimate_bn)
    layer_scale_1/2: ~ U(0.1, 1.0) per channel (instead of the 1e-5 init)
    head, dist_head: weights and biases x head_gain, so logits are O(1..20) like a trained
                     classifier's rather than O(0.1..1)
    """
    for name, m in model.named_modules():
        if isinstance(m, torch.nn.Conv2d):
            if m.bias is not None:
                m.bias.normal_(0.0, bias_std)
        elif isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0.0, 0.2)
            m.reset_running_stats()
    for name, p in model.named_parameters():
        if name.rsplit(".", 1)[-1] in ("layer_scale_1", "layer_scale_2"):
            p.uniform_(0.1, 1.0)
    for head in ("head", "dist_head"):
        m = getattr(model, head, None)
        if isinstance(m, torch.nn.Conv2d):
            m.weight.mul_(head_gain)
            m.bias.mul_(head_gain)


@torch.no_grad()
def reestimate_bn(model: torch.nn.Module, batches) -> None:
    """Re-estimate every BatchNorm2d's running mean/var as the cumulative average over `batches`
    (momentum=None). Only the BN layers run in training mode (so DropPath / Dropout stay off);
    the model is left in eval() afterwards and momentum restored."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    saved = [m.momentum for m in bns]
    model.eval()
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
        m.train()
    for x in batches:
        model(x)
    for m, mom in zip(bns, saved):
        m.momentum = mom
    model.eval()


@torch.no_grad()
def ema_like(sd: "OrderedDict[str, torch.Tensor]", gen: torch.Generator, param_names) -> OrderedDict:
    """A slightly different weight set standing in for 'state_dict_ema': every parameter is
    multiplied elementwise by (1 + 0.02 * N(0,1)); BN running stats and counters are kept.
    (A uniform x0.98 shrink with unchanged BN statistics compounds over the depth of the full
    variants into logits that differ by more than the logits themselves.)"""
    out = OrderedDict()
    for k, v in sd.items():
        if k in param_names and v.is_floating_point():
            f = 1.0 + 0.02 * torch.randn(v.shape, generator=gen)
            out[k] = (v * f).contiguous()
        else:
            out[k] = v.clone()
    return out


def cast_state_dict(sd, dtype: torch.dtype) -> OrderedDict:
    return OrderedDict((k, v.to(dtype) if v.is_floating_point() else v.clone()) for k, v in sd.items())


def to_float32(sd) -> OrderedDict:
    return OrderedDict((k, v.float() if v.is_floating_point() else v) for k, v in sd.items())


# --------------------------------------------------------------------------------------------
# Forward passes


def block_modules(model: torch.nn.Module) -> list[tuple[str, torch.nn.Module]]:
    """('stem', ...), ('backbone.S.B', ...) in execution order, ('prediction', ...)."""
    mods = [("stem", model.stem)]
    for s, stage in enumerate(model.backbone):
        for b, block in enumerate(stage):
            mods.append((f"backbone.{s}.{b}", block))
    mods.append(("prediction", model.prediction))
    return mods


@torch.no_grad()
def forward_with_activations(model: torch.nn.Module, x: torch.Tensor):
    """Eval-mode forward of one (1,3,S,S) input. Returns (logits (classes,), [(module, act)]) with
    activations as float32 numpy arrays, batch dimension dropped; 'prediction' flattened to (E,)."""
    assert x.shape[0] == 1
    acts: list[tuple[str, np.ndarray]] = []
    hooks = []
    for name, mod in block_modules(model):
        def hook(_m, _inp, out, name=name):
            a = out[0].detach().float().numpy().copy()
            if name == "prediction":
                a = a.reshape(-1)
            acts.append((name, a))
        hooks.append(mod.register_forward_hook(hook))
    try:
        model.eval()
        logits = model(x)
    finally:
        for h in hooks:
            h.remove()
    return logits[0].float().numpy().copy(), acts


@torch.no_grad()
def logits_of(model: torch.nn.Module, x: torch.Tensor) -> np.ndarray:
    model.eval()
    return model(x)[0].float().numpy().copy()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
