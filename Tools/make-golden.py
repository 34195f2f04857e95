#!/usr/bin/env python3
"""Golden fixtures for Vigil from the authors' MobileViGv2 reference implementation.

Purpose
  Vigil must load the checkpoints the reference training script writes and reproduce the
  reference network's outputs. This script builds reference models with trained-looking random
  weights, writes their checkpoints in every form Vigil accepts, and records the reference
  float32 outputs (logits and per-block activations) for fixed inputs, plus a manifest.json
  describing everything. The reference code is imported from a checkout at run time and never
  copied into this repository.

Usage
  Tools/make-golden.py --reference DIR [--out Tests/Fixtures/golden] [--full OUTDIR]
                       [--variants ti,s,m,b] [--photo JPEG]

  DIR      a checkout of SLDGroup/MobileViGv2 (contains models/mobilevigv2.py); e.g.
             git clone <a copy of SLDGroup/MobileViGv2> /tmp/mvig-ref
           (a git checkout lets the manifest record the reference commit)
  --out    where the small committed fixtures go (default: <repo>/Tests/Fixtures/golden)
  --full   instead of the small fixtures, write full-size ImageNet variants (224x224, 1000
           classes; not committed, e.g. .golden-full/) for --variants (default ti,s,m,b).
           Takes minutes (B has 27M parameters) and ~2.5 GB for all four.
  --photo  source photo (default: opencv-doc's butterfly.jpg)
  Run with .venv-tools/bin/python. Single-threaded, deterministic (fixed seeds): reruns write
  byte-identical files (given the same torch / timm / libjpeg).

Outputs (default mode, in --out)
  Cases tiny-a, tiny-b, tiny-c (from the brief) and tiny-d (extra edge cases: an MGC block with
  K=0, a stage without InvertedResidual blocks, and K > feature-map size where K mod size != 0).
  <case>.config.json                 Vigil config {"name","channels","blocks","k","embedding",
                                     "classes","input_size","distillation"}
  <case>.full.pth (not tiny-d)       training checkpoint: state_dict, optimizer (AdamW after one
                                     step), lr_scheduler (timm cosine), epoch, state_dict_ema,
                                     scaler, args (argparse.Namespace)
  <case>.safetensors                 state_dict as safetensors
  tiny-a only: .module.pth ({'state_dict': {'module.'+k: v}}), .bare.pth (plain state_dict),
               .model.pth ({'model': sd}), .reparam.pth (reparameterize_model state_dict,
               mixer.cpe.reparam_conv.*), .fp16.pth / .bf16.pth (floats cast)
  <case>.input0.npy, .input1.npy     (1,3,S,S) float32 smooth random images, ImageNet-normalized
  photo.jpg, tiny-a.photo.input.npy  a real photo (~160x116 JPEG q90) and its timm eval transform
                                     (crops of photo.jpg are also part of the BN calibration set)
  <case>.<weights>.<input>.logits.npy   (classes,) float32; weights = state_dict |
                                     state_dict_ema | reparam | fp16 | bf16
  <case>.<input>.act.<module>.npy    state_dict weights; module = stem, backbone.S.B, prediction;
                                     (C,H,W) float32 (prediction: (E,), after GELU)
  manifest.json                      everything above, machine-readable (see build_manifest)

Outputs (--full OUTDIR): the same layout for cases ti, s, m, b (every checkpoint form, photo.jpg
is a full-resolution copy of the source photo, activations for every input).

Weights: the reference init, then conv biases ~N(0,0.1), BN weight ~U(0.5,1.5) and bias ~N(0,0.2),
layer scales ~U(0.1,1), head / dist_head x3; BN running statistics re-estimated (cumulative
average, BN layers alone in train mode) on smooth-noise images, dead-leaves images and crops of
photo.jpg. state_dict_ema = every parameter x (1 + 0.02 N(0,1)). Every golden logit file is
computed from the checkpoint read back from disk; the other files of the same weights are
checked to give bit-identical logits.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
import time
import zlib
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import golden_common as gc  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "Tests" / "Fixtures" / "golden"
DEFAULT_PHOTO = Path("/usr/share/doc/opencv-doc/examples/data/butterfly.jpg")
PHOTO_NAME = "photo.jpg"
SMALL_PHOTO_WIDTH = 160

ALL_FORMS = ["full", "module", "bare", "model", "reparam", "safetensors", "fp16", "bf16"]
FORM_FILE = {
    "full": "{}.full.pth", "module": "{}.module.pth", "bare": "{}.bare.pth",
    "model": "{}.model.pth", "reparam": "{}.reparam.pth", "safetensors": "{}.safetensors",
    "fp16": "{}.fp16.pth", "bf16": "{}.bf16.pth",
}

# Reduced configurations (default mode). Stage map sizes: ceil(S/4), then halved (ceil) per stage.
TINY_CASES = [
    dict(name="tiny-a", channels=[8, 16, 24, 32], blocks=[[1, 0], [1, 1], [1, 1], [1, 1]],
         k=[0, 2, 1, 2], embedding=48, classes=10, input_size=64, distillation=True,
         forms=ALL_FORMS, photo=True,
         purpose="all checkpoint forms + photo; maps 16,8,4,2; stage 3 K=2 == map size 2"),
    dict(name="tiny-b", channels=[8, 16, 16, 24], blocks=[[2, 0], [1, 2], [2, 1], [1, 1]],
         k=[0, 3, 5, 1], embedding=32, classes=7, input_size=80, distillation=True,
         forms=["full", "safetensors"], photo=False,
         purpose="maps 20,10,5,3; stage 2 K=5 == map size 5; odd 5x5 and 3x3 maps; 2 MGC blocks"),
    dict(name="tiny-c", channels=[8, 16, 24, 32], blocks=[[1, 0], [1, 1], [1, 1], [1, 1]],
         k=[0, 4, 2, 1], embedding=48, classes=10, input_size=72, distillation=False,
         forms=["full", "safetensors"], photo=False,
         purpose="no dist_head; maps 18,9,5,3 (odd)"),
    dict(name="tiny-d", channels=[8, 8, 16, 16], blocks=[[1, 1], [0, 1], [1, 1], [0, 2]],
         k=[0, 4, 2, 3], embedding=16, classes=5, input_size=48, distillation=True,
         forms=["safetensors"], photo=False,
         purpose="extra edge cases: MGC with K=0 (stage 0); stages without InvertedResidual "
                 "blocks; maps 12,6,3,2; stage 1 K=4 on 6 (not a divisor); stage 3 K=3 > map 2 "
                 "(reference: no shift, NOT a cyclic roll by K mod 2)"),
]

FULL_VARIANTS = {
    "ti": dict(channels=[32, 64, 128, 256], blocks=[[2, 0], [2, 2], [6, 2], [2, 2]], embedding=512),
    "s": dict(channels=[32, 64, 128, 256], blocks=[[3, 0], [3, 3], [9, 3], [3, 3]], embedding=512),
    "m": dict(channels=[32, 64, 192, 384], blocks=[[3, 0], [3, 3], [9, 3], [3, 3]], embedding=512),
    "b": dict(channels=[64, 128, 256, 512], blocks=[[3, 0], [3, 3], [9, 3], [3, 3]], embedding=768),
}


def full_case(v: str) -> dict:
    return dict(name=v, k=[0, 8, 4, 2], classes=1000, input_size=224, distillation=True,
                forms=ALL_FORMS, photo=True, factory=f"mobilevigv2_{v}",
                purpose=f"full-size reference variant mobilevigv2_{v}", **FULL_VARIANTS[v])


def case_seed(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def log(msg: str) -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------------------------
# Model construction and description


def build_model(ref, case: dict) -> torch.nn.Module:
    if "factory" in case:
        model = getattr(ref, case["factory"])()
    else:
        model = ref.MobileViG(blocks=case["blocks"], channels=case["channels"],
                              emb_dims=case["embedding"], K=case["k"],
                              distillation=case["distillation"], num_classes=case["classes"])
    return model.eval()


def check_factory_matches_config(ref, case: dict, model: torch.nn.Module) -> None:
    """The factory's architecture must equal the config we write for it."""
    mine = ref.MobileViG(blocks=case["blocks"], channels=case["channels"], emb_dims=case["embedding"],
                         K=case["k"], distillation=case["distillation"], num_classes=case["classes"])
    a = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    b = {k: tuple(v.shape) for k, v in mine.state_dict().items()}
    assert a == b, f"{case['name']}: factory architecture differs from config"
    ks = [m.K for m in model.modules() if type(m).__name__ == "MRConv4d"]
    ks2 = [m.K for m in mine.modules() if type(m).__name__ == "MRConv4d"]
    assert ks == ks2, f"{case['name']}: factory K differs from config"


def stage_sizes(size: int) -> list[int]:
    s = -(-size // 4)  # stem: two stride-2 convs, pad 1 -> ceil halving twice
    out = [s]
    for _ in range(3):
        s = -(-s // 2)
        out.append(s)
    return out


def describe_blocks(case: dict) -> list[dict]:
    sizes = stage_sizes(case["input_size"])
    out = [dict(module="stem", type="Stem", channels=case["channels"][0], size=sizes[0])]
    for s, (local, glob) in enumerate(case["blocks"]):
        b = 0
        if s > 0:
            out.append(dict(module=f"backbone.{s}.{b}", type="Downsample", stage=s,
                            channels=case["channels"][s], size=sizes[s]))
            b += 1
        for _ in range(local):
            out.append(dict(module=f"backbone.{s}.{b}", type="InvertedResidual", stage=s,
                            channels=case["channels"][s], size=sizes[s]))
            b += 1
        for _ in range(glob):
            k = case["k"][s]
            out.append(dict(module=f"backbone.{s}.{b}", type="MGC", stage=s,
                            channels=case["channels"][s], size=sizes[s], K=k,
                            effective_shift=k if k < sizes[s] else 0))
            b += 1
    out.append(dict(module="prediction", type="Head", channels=case["embedding"], size=1))
    return out


@torch.no_grad()
def verify_mrconv_rule(ref, k: int, size: int) -> None:
    """Check on the reference MRConv4d that x_j = max(0, max over the 4 neighbours at cyclic
    shift s) - x ... with s = K if K < size else 0 (i.e. K >= size means no shift at all)."""
    c = 3
    m = ref.MRConv4d(2 * c, c, K=k)
    m.nn = torch.nn.Identity()  # expose concat([x, x_j])
    x = torch.randn(1, c, size, size, generator=torch.Generator().manual_seed(7))
    out = m(x)
    s = k if k < size else 0
    nbr = torch.stack([torch.roll(x, s, 2), torch.roll(x, -s, 2),
                       torch.roll(x, s, 3), torch.roll(x, -s, 3)]).amax(0)
    xj = torch.clamp(nbr - x, min=0.0)
    assert torch.equal(out[:, :c], x)
    assert torch.allclose(out[:, c:], xj, atol=1e-6), f"MRConv rule fails for K={k}, size={size}"


def config_json(case: dict) -> dict:
    return {"name": case["name"], "channels": case["channels"], "blocks": case["blocks"],
            "k": case["k"], "embedding": case["embedding"], "classes": case["classes"],
            "input_size": case["input_size"], "distillation": case["distillation"]}


def format_config(cfg: dict) -> str:
    """JSON with one key per line and lists kept on one line."""
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in cfg.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


# --------------------------------------------------------------------------------------------
# Checkpoint contents


def training_args(case: dict) -> argparse.Namespace:
    """An args namespace like the reference main.py saves (values plausible, not meaningful)."""
    model_name = case.get("factory", "mobilevigv2_ti")
    return argparse.Namespace(
        batch_size=128, gradient_accumulation=False, epochs=300, model=model_name,
        input_size=224, model_ema=True, model_ema_decay=0.99996, model_ema_force_cpu=False,
        opt="adamw", opt_eps=1e-8, opt_betas=None, clip_grad=None, clip_mode="agc", momentum=0.9,
        weight_decay=0.05, sched="cosine", lr=1e-3, lr_noise=None, lr_noise_pct=0.67,
        lr_noise_std=1.0, warmup_lr=1e-6, min_lr=1e-5, decay_epochs=30, warmup_epochs=20,
        cooldown_epochs=10, patience_epochs=10, decay_rate=0.1, color_jitter=0.4,
        aa="rand-m9-mstd0.5-inc1", smoothing=0.1, train_interpolation="random",
        repeated_aug=True, reprob=0.25, remode="pixel", recount=1, resplit=False, mixup=0.8,
        cutmix=1.0, cutmix_minmax=None, mixup_prob=1.0, mixup_switch_prob=0.5, mixup_mode="batch",
        teacher_model="regnety_160",
        teacher_path="https://dl.fbaipublicfiles.com/deit/regnety_160-a5fe301d.pth",
        distillation_type="hard" if case["distillation"] else "none", distillation_alpha=0.5,
        distillation_tau=1.0, finetune="", data_path="/datasets/imagenet", data_set="IMNET",
        inat_category="name", output_dir=f"results/{model_name}", device="cuda", seed=0,
        resume="", start_epoch=0, eval=False, dist_eval=True, num_workers=8, pin_mem=True,
        sync_bn=False, crop_pct=0.9, world_size=8, dist_url="env://", rank=0, gpu=0,
        distributed=True, dist_backend="nccl", nb_classes=1000,
    )


def training_state(model: torch.nn.Module, case: dict, gen: torch.Generator) -> dict:
    """optimizer / lr_scheduler / scaler states as the reference main.py would save them: timm's
    create_optimizer (torch.optim.AdamW, decay + no-decay groups) after one real step on a copy of
    the model, timm's cosine scheduler at epoch 3, and a GradScaler state."""
    from timm.optim import create_optimizer_v2
    from timm.scheduler import CosineLRScheduler

    work = copy.deepcopy(model).train()
    opt = create_optimizer_v2(work, "adamw", lr=1e-3, weight_decay=0.05)
    sched = CosineLRScheduler(opt, t_initial=300, lr_min=1e-5, warmup_lr_init=1e-6, warmup_t=20,
                              cycle_limit=1, t_in_epochs=True)
    x = gc.smooth_images(gen, 2, case["input_size"])
    target = torch.randint(0, case["classes"], (2,), generator=gen)
    out = work(x)
    outs = out if isinstance(out, tuple) else (out,)
    loss = sum(torch.nn.functional.cross_entropy(o, target) for o in outs)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step(3)
    try:
        scaler = torch.amp.GradScaler("cpu").state_dict()
    except (AttributeError, TypeError, RuntimeError):
        scaler = {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                  "growth_interval": 2000, "_growth_tracker": 0}
    return {"optimizer": opt.state_dict(), "lr_scheduler": sched.state_dict(), "scaler": scaler}


def write_checkpoints(out: Path, case: dict, model, ema_model, ref, gen) -> dict[str, Path]:
    """Write every checkpoint form of the case; returns form -> path."""
    from safetensors.torch import save_file

    name = case["name"]
    sd = model.state_dict()
    sd_ema = ema_model.state_dict()
    paths = {}
    for form in case["forms"]:
        path = out / FORM_FILE[form].format(name)
        if form == "full":
            st = training_state(model, case, gen)
            # Same keys, same order as the reference main.py's periodic checkpoint.
            obj = {"state_dict": sd, "optimizer": st["optimizer"],
                   "lr_scheduler": st["lr_scheduler"], "epoch": 3, "state_dict_ema": sd_ema,
                   "scaler": st["scaler"], "args": training_args(case)}
            torch.save(obj, path)
        elif form == "module":
            torch.save({"state_dict": OrderedDict(("module." + k, v) for k, v in sd.items())}, path)
        elif form == "bare":
            torch.save(sd, path)
        elif form == "model":
            torch.save({"model": sd}, path)
        elif form == "reparam":
            torch.save(ref.reparameterize_model(model).state_dict(), path)
        elif form == "safetensors":
            save_file({k: v.contiguous() for k, v in sd.items()}, str(path), metadata={"format": "pt"})
        elif form in ("fp16", "bf16"):
            dt = torch.float16 if form == "fp16" else torch.bfloat16
            torch.save(gc.cast_state_dict(sd, dt), path)
        else:
            raise ValueError(form)
        paths[form] = path
    return paths


def load_weights(path: Path, form: str, ema: bool):
    """Read a checkpoint back from disk the way a user would; returns a float32 state dict."""
    if form == "safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    obj = torch.load(path, map_location="cpu", weights_only=(form != "full"))
    if form == "full":
        return obj["state_dict_ema" if ema else "state_dict"]
    if form == "module":
        return OrderedDict((k[len("module."):], v) for k, v in obj["state_dict"].items())
    if form == "model":
        return obj["model"]
    if form in ("fp16", "bf16"):
        return gc.to_float32(obj)
    return obj  # bare, reparam


def model_from_checkpoint(ref, case, path: Path, form: str, ema: bool) -> torch.nn.Module:
    model = build_model(ref, case)
    if form == "reparam":
        model = ref.reparameterize_model(model)
    model.load_state_dict(load_weights(path, form, ema), strict=True)
    return model.eval()


def weights_id(form: str, ema: bool) -> str:
    if ema:
        return "state_dict_ema"
    return form if form in ("reparam", "fp16", "bf16") else "state_dict"


# --------------------------------------------------------------------------------------------
# One case


def make_inputs(out: Path, case: dict):
    """Returns [(input id, tensor (1,3,S,S), file name, info)] and the transform description."""
    name, size = case["name"], case["input_size"]
    gen = torch.Generator().manual_seed(case_seed(name) + 2)
    xs = gc.smooth_images(gen, 2, size)
    inputs = []
    for i in range(2):
        inputs.append((f"input{i}", xs[i:i + 1].clone(), f"{name}.input{i}.npy",
                       {"source": "smooth random image (multi-scale bicubic noise), ImageNet-normalized"}))
    transform = None
    if case["photo"]:
        photo = out / PHOTO_NAME
        x, transform = gc.photo_tensor(photo, size)
        inputs.append(("photo", x, f"{name}.photo.input.npy",
                       {"source": "photo", "photo": PHOTO_NAME}))
    for _, x, fname, _ in inputs:
        np.save(out / fname, x.numpy().astype(np.float32))
    return inputs, transform


def prepare_photo(out: Path, photo_src: Path | None, full: bool) -> dict:
    """Default mode: a ~160-wide JPEG q90 downscale of the source; --full: a byte copy."""
    from PIL import Image

    dst = out / PHOTO_NAME
    if photo_src is None or not photo_src.is_file():
        if dst.is_file():
            log(f"  source photo unavailable, reusing existing {dst}")
        else:
            raise SystemExit(f"error: photo {photo_src} not found and no {dst} to reuse")
    elif full:
        shutil.copyfile(photo_src, dst)
    else:
        with Image.open(photo_src) as im:
            im = im.convert("RGB")
            w, h = im.size
            small = im.resize((SMALL_PHOTO_WIDTH, round(h * SMALL_PHOTO_WIDTH / w)),
                              Image.Resampling.LANCZOS)
        small.save(dst, "JPEG", quality=90)
    with Image.open(dst) as im:
        size = list(im.size)
    info = {"file": PHOTO_NAME, "width": size[0], "height": size[1],
            "source": str(photo_src.name) if photo_src is not None else "unknown",
            "bytes": dst.stat().st_size}
    if not full:
        assert info["bytes"] < 30_000, "photo.jpg must stay small"
    return info


def run_case(ref, out: Path, case: dict, n_calib: int) -> dict:
    name, size = case["name"], case["input_size"]
    t0 = time.time()
    log(f"== {name}: channels {case['channels']} blocks {case['blocks']} K {case['k']} "
        f"E {case['embedding']} classes {case['classes']} input {size} "
        f"distillation {case['distillation']}")
    blocks = describe_blocks(case)
    for b in blocks:
        if b["type"] == "MGC":
            verify_mrconv_rule(ref, b["K"], b["size"])

    # Trained-looking weights: reference init, randomized, BN statistics re-estimated.
    torch.manual_seed(case_seed(name))
    model = build_model(ref, case)
    if "factory" in case:
        check_factory_matches_config(ref, case, model)
    gc.randomize_parameters(model)
    calib_gen = torch.Generator().manual_seed(case_seed(name) + 1)
    gc.reestimate_bn(model, gc.calibration_batches(calib_gen, n_calib, size, photo=out / PHOTO_NAME))
    n_params = sum(p.numel() for p in model.parameters())
    log(f"  params {n_params:,}; BN re-estimated on {n_calib} images ({time.time() - t0:.1f}s)")

    ema_gen = torch.Generator().manual_seed(case_seed(name) + 3)
    ema_model = copy.deepcopy(model)
    param_names = {k for k, _ in model.named_parameters()}
    ema_model.load_state_dict(gc.ema_like(model.state_dict(), ema_gen, param_names))
    ema_model.eval()

    # Inputs, then reference activations from the in-memory model (state_dict weights).
    inputs, transform = make_inputs(out, case)
    acts_manifest = []
    mem_logits = {}
    for iid, x, _, _ in inputs:
        logits, acts = gc.forward_with_activations(model, x)
        mem_logits[iid] = logits
        for module, a in acts:
            fname = f"{name}.{iid}.act.{module}.npy"
            np.save(out / fname, a.astype(np.float32))
            acts_manifest.append({"input": iid, "module": module, "file": fname,
                                  "shape": list(a.shape)})
        maxes = "  ".join(f"{m}:{np.abs(a).max():.2f}" for m, a in acts)
        log(f"  {iid}: max|act| {maxes}")
        log(f"  {iid}: max|logit| {np.abs(logits).max():.3f}  logits[:5] {np.round(logits[:5], 4)}")
        amax = max(float(np.abs(a).max()) for _, a in acts)
        lmax = float(np.abs(logits).max())
        if not (0.5 < lmax < 100.0) or amax > 1e3:
            raise SystemExit(f"error: {name}/{iid}: activations out of a sane range "
                             f"(max|logit| {lmax}, max|act| {amax}); adjust the initialisation")

    # Checkpoints, then golden logits read back from the files on disk.
    ck_gen = torch.Generator().manual_seed(case_seed(name) + 4)
    paths = write_checkpoints(out, case, model, ema_model, ref, ck_gen)
    log(f"  checkpoints written ({time.time() - t0:.1f}s)")
    golden: dict[str, dict[str, np.ndarray]] = {}  # weights id -> input id -> logits
    checkpoints, expected = [], []
    for form, path in paths.items():
        emas = [False, True] if form == "full" else [False]
        dtype = {"fp16": "float16", "bf16": "bfloat16"}.get(form, "float32")
        checkpoints.append({"file": path.name, "form": form, "ema_available": form == "full",
                            "dtype": dtype})
        for ema in emas:
            wid = weights_id(form, ema)
            m = model_from_checkpoint(ref, case, path, form, ema)
            for iid, x, _, _ in inputs:
                lg = gc.logits_of(m, x)
                if wid not in golden or iid not in golden[wid]:
                    golden.setdefault(wid, {})[iid] = lg
                    np.save(out / f"{name}.{wid}.{iid}.logits.npy", lg.astype(np.float32))
                else:
                    assert np.array_equal(golden[wid][iid], lg), f"{path.name}: logits differ"
                expected.append({"checkpoint": path.name, "ema": ema, "input": iid,
                                 "file": f"{name}.{wid}.{iid}.logits.npy", "weights": wid})
            del m
    for iid in mem_logits:  # the activations belong to exactly these weights
        assert np.array_equal(mem_logits[iid], golden["state_dict"][iid]), "reload changed logits"

    # Summary of how far the weight sets are apart (sanity: EMA must be distinguishable).
    diffs = {}
    for wid, per in golden.items():
        if wid == "state_dict":
            continue
        d = max(float(np.abs(per[i] - golden["state_dict"][i]).max()) for i in per)
        diffs[wid] = d
        log(f"  max|logits({wid}) - logits(state_dict)| = {d:.3g}")
    if "reparam" in diffs:
        assert diffs["reparam"] < 1e-3, "reparameterized model disagrees"
    if "state_dict_ema" in diffs:
        assert diffs["state_dict_ema"] > 1e-2, "EMA weights too close to be told apart"

    max_logit = {wid: float(max(np.abs(v).max() for v in per.values())) for wid, per in golden.items()}
    cfg_file = f"{name}.config.json"
    (out / cfg_file).write_text(format_config(config_json(case)))
    log(f"  done in {time.time() - t0:.1f}s")
    entry = {
        "name": name,
        "config": cfg_file,
        "purpose": case["purpose"],
        "input_size": size,
        "classes": case["classes"],
        "distillation": case["distillation"],
        "stage_sizes": stage_sizes(size),
        "parameters": n_params,
        "blocks": blocks,
        "checkpoints": checkpoints,
        "inputs": [{"id": iid, "file": f, "shape": list(x.shape), **info}
                   for iid, x, f, info in inputs],
        "expected_logits": expected,
        "activations": acts_manifest,
        "max_abs_logit": max_logit,
        "max_abs_logit_diff_vs_state_dict": diffs,
    }
    if "factory" in case:
        entry["reference_factory"] = case["factory"]
    if transform is not None:
        entry["photo_transform"] = transform
    return entry


# --------------------------------------------------------------------------------------------
# Driver


def remove_previous_outputs(out: Path) -> None:
    """Delete the files a previous run listed in out/manifest.json (only those)."""
    man = out / "manifest.json"
    if not man.is_file():
        return
    try:
        old = json.loads(man.read_text())
    except (OSError, ValueError):
        return
    for fname in old.get("files", {}):
        if fname == PHOTO_NAME:
            continue  # kept so a machine without the source photo can still regenerate
        p = out / fname
        if p.is_file() and p.parent == out:
            p.unlink()
    man.unlink()


def build_manifest(args, ref_info: dict, photo_info: dict, cases: list[dict], out: Path) -> dict:
    import timm

    files = {}
    for p in sorted(out.iterdir()):
        if p.is_file() and p.name != "manifest.json":
            files[p.name] = {"bytes": p.stat().st_size, "sha256": gc.sha256_file(p)}
    return {
        "schema_version": 1,
        "generator": "Tools/make-golden.py",
        "command": " ".join([Path(sys.argv[0]).name] + sys.argv[1:]),
        "argv": sys.argv,
        "mode": "full" if args.full else "fixtures",
        "versions": {"torch": torch.__version__, "timm": timm.__version__,
                     "numpy": np.__version__, "python": sys.version.split()[0]},
        "reference": {"repository": "SLDGroup/MobileViGv2", "file": "models/mobilevigv2.py",
                      "commit": ref_info["commit"],
                      "file_sha256": ref_info["models/mobilevigv2.py sha256"]},
        "conventions": {
            "layout": "NCHW float32 little-endian .npy; inputs (1,3,S,S); logits (classes,); "
                      "activations (C,H,W) with batch dropped, prediction (E,) after GELU",
            "logits": "eval mode; with distillation the mean of head and dist_head",
            "normalization": {"mean": list(gc.IMAGENET_MEAN), "std": list(gc.IMAGENET_STD)},
            "mrconv_shift": "per spatial axis: shift = K if K < size else 0 (reference slicing; "
                            "K >= size gives no shift, not K mod size); rolls are cyclic",
            "weights": "state_dict: reference init randomized (conv bias N(0,0.1), BN weight "
                       "U(0.5,1.5), BN bias N(0,0.2), layer_scale U(0.1,1), head and "
                       "dist_head x3) and BN statistics re-estimated (cumulative average) on a "
                       "mix of smooth-noise images, dead-leaves images and random crops of "
                       "photo.jpg; state_dict_ema: every parameter x "
                       "(1+0.02*N(0,1)), BN statistics unchanged; fp16/bf16: state_dict "
                       "floats cast, logits computed with the rounded weights in float32",
        },
        "photo": photo_info,
        "cases": cases,
        "files": files,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", required=True, type=Path,
                    help="checkout of SLDGroup/MobileViGv2 (contains models/mobilevigv2.py)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT,
                    help=f"output directory for the small fixtures (default {DEFAULT_OUT})")
    ap.add_argument("--full", type=Path, metavar="OUTDIR",
                    help="write full-size variants to OUTDIR instead of the small fixtures")
    ap.add_argument("--variants", default="ti,s,m,b", help="with --full: which variants")
    ap.add_argument("--photo", type=Path, default=DEFAULT_PHOTO, help="source photo (JPEG)")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    ref = gc.load_reference(args.reference)
    ref_info = gc.reference_info(args.reference)

    if args.full:
        out = args.full
        names = [v.strip() for v in args.variants.split(",") if v.strip()]
        for v in names:
            if v not in FULL_VARIANTS:
                raise SystemExit(f"error: unknown variant {v!r} (choose from {list(FULL_VARIANTS)})")
        cases = [full_case(v) for v in names]
        n_calib = 12
    else:
        out = args.out
        cases = TINY_CASES
        n_calib = 16
    out.mkdir(parents=True, exist_ok=True)
    remove_previous_outputs(out)
    log(f"reference {args.reference} (commit {ref_info['commit']}); output {out}")

    photo_info = prepare_photo(out, args.photo, bool(args.full))  # also used for BN calibration
    entries = [run_case(ref, out, case, n_calib) for case in cases]
    manifest = build_manifest(args, ref_info, photo_info, entries, out)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")

    listed = set(manifest["files"]) | {"manifest.json"}
    total = 0
    log("\nfiles:")
    for p in sorted(out.iterdir()):
        if p.is_file():
            total += p.stat().st_size
            if p.name not in listed:
                log(f"  warning: {p.name} is not from this run")
    by_kind: dict[str, list[int]] = {}
    for fname, info in manifest["files"].items():
        kind = ("activations" if ".act." in fname else "logits" if fname.endswith(".logits.npy")
                else "inputs" if fname.endswith(".npy") else fname)
        by_kind.setdefault(kind, []).append(info["bytes"])
    for kind, sizes in by_kind.items():
        label = kind if len(sizes) == 1 else f"{kind} ({len(sizes)} files)"
        log(f"  {label:<48} {sum(sizes):>12,} bytes")
    log(f"  {'total':<48} {total:>12,} bytes")
    log("max |logit|:")
    for e in entries:
        log(f"  {e['name']}: " + ", ".join(f"{k} {v:.3f}" for k, v in e["max_abs_logit"].items()))


if __name__ == "__main__":
    main()
