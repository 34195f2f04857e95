#!/usr/bin/env python3
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
"""Train a reduced MobileViGv2 on Fashion-MNIST, for the model Vigil ships in weights/.

Uses the authors' reference model class (MobileViG from DIR/models/mobilevigv2.py) so the
checkpoint has the official key names. Input: the 28x28 grey images converted to RGB and put
through exactly the evaluation preprocessing Vigil applies to any image (shorter side to
int(64 / 0.9) = 71 with PIL bicubic, centre crop 64, ImageNet mean/std), so `vigil classify`
on a PNG of a test image sees the same tensor the network was evaluated on.

Recipe: AdamW, cosine schedule with warm-up, label smoothing 0.1, random shifts (reflect pad 4 +
random crop) and horizontal flips, fixed seeds, 2 CPU threads.

Usage:
  .venv-tools/bin/python Tools/train-fashion-mnist.py --reference DIR \
      [--data /usr/share/datasets/fashion-mnist] [--epochs 20] [--out weights/fashion-mnist]

Writes OUT/mobilevigv2-fmnist.safetensors (state_dict), OUT/mobilevigv2-fmnist.config.json,
OUT/mobilevigv2-fmnist.pth (training checkpoint: state_dict, state_dict_ema, optimizer, ...),
OUT/labels.txt and OUT/train.log. Runs outside CI.
"""
import argparse
import gzip
import importlib.util
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
          "Bag", "Ankle boot"]
CONFIG = {"name": "mobilevigv2-fmnist", "channels": [24, 48, 96, 160],
          "blocks": [[1, 0], [1, 1], [2, 1], [1, 1]], "k": [0, 2, 1, 1], "embedding": 256,
          "classes": 10, "input_size": 64, "distillation": True}
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def load_reference(ref_dir):
    path = os.path.join(ref_dir, "models", "mobilevigv2.py")
    spec = importlib.util.spec_from_file_location("mobilevigv2_reference", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # timm's register_model looks the module up by name
    spec.loader.exec_module(mod)
    return mod


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    dims = magic & 0xFF
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(data_dir, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(data_dir, name)
        if os.path.exists(p):
            return p
    sys.exit(f"missing {stem}(.gz) in {data_dir}: install Debian's dataset-fashion-mnist")


def preprocess_uint8(images, size):
    """The evaluation resize + centre crop of every image, as uint8 grey (N, size, size)."""
    scale = int(size / 0.9)
    out = np.empty((len(images), size, size), dtype=np.uint8)
    top = int(round((scale - size) / 2.0))
    for i, im in enumerate(images):
        rgb = Image.fromarray(im, mode="L").convert("RGB")
        r = rgb.resize((scale, scale), Image.BICUBIC)
        out[i] = np.asarray(r)[top:top + size, top:top + size, 0]
    return out


def to_input(grey_u8):
    """uint8 (N,H,W) grey -> normalized float (N,3,H,W), as ToTensor + Normalize would."""
    x = grey_u8.float().div(255).unsqueeze(1).expand(-1, 3, -1, -1)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


def augment(batch, gen):
    """Random shift by up to 4 pixels (reflect padding) and horizontal flip."""
    n, h, w = batch.shape
    padded = F.pad(batch.unsqueeze(1).float(), (4, 4, 4, 4), mode="reflect").squeeze(1)
    dx = torch.randint(0, 9, (n,), generator=gen)
    dy = torch.randint(0, 9, (n,), generator=gen)
    flip = torch.rand(n, generator=gen) < 0.5
    out = torch.empty_like(batch, dtype=torch.float32)
    for i in range(n):
        crop = padded[i, dy[i]:dy[i] + h, dx[i]:dx[i] + w]
        out[i] = crop.flip(-1) if flip[i] else crop
    return out.round().clamp(0, 255).to(torch.uint8)


def evaluate(model, x_u8, y, batch=500):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            logits = model(to_input(x_u8[i:i + batch]))
            correct += (logits.argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(y)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", required=True, help="checkout of SLDGroup/MobileViGv2")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N images (smoke runs)")
    ap.add_argument("--out", default="weights/fashion-mnist")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, "train.log"), "w")

    def say(msg):
        print(msg, flush=True)
        log.write(msg + "\n")
        log.flush()

    say(f"command: {' '.join(sys.argv)}")
    say(f"torch {torch.__version__}, config {json.dumps(CONFIG)}")
    ref = load_reference(args.reference)
    tr_x = read_idx(find(args.data, "train-images-idx3-ubyte"))
    tr_y = read_idx(find(args.data, "train-labels-idx1-ubyte"))
    te_x = read_idx(find(args.data, "t10k-images-idx3-ubyte"))
    te_y = read_idx(find(args.data, "t10k-labels-idx1-ubyte"))
    if args.limit:
        tr_x, tr_y = tr_x[:args.limit], tr_y[:args.limit]
    t0 = time.time()
    size = CONFIG["input_size"]
    tr_u8 = torch.from_numpy(preprocess_uint8(tr_x, size))
    te_u8 = torch.from_numpy(preprocess_uint8(te_x, size))
    tr_y = torch.from_numpy(tr_y.astype(np.int64))
    te_y = torch.from_numpy(te_y.astype(np.int64))
    say(f"preprocessed {len(tr_y)} train and {len(te_y)} test images in {time.time() - t0:.1f}s")

    model = ref.MobileViG(blocks=CONFIG["blocks"], channels=CONFIG["channels"], dropout=0.0,
                          drop_path=0.05, emb_dims=CONFIG["embedding"], K=CONFIG["k"],
                          distillation=True, num_classes=CONFIG["classes"])
    # The reference's 1e-5 layer-scale init slows a short schedule; start residual branches open.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_scale" in name:
                p.fill_(0.1)
    ema = {k: v.detach().clone() for k, v in model.state_dict().items()}
    params = sum(p.numel() for p in model.parameters())
    say(f"parameters: {params}")

    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(tr_y) / args.batch)
    total = steps_per_epoch * args.epochs
    warmup = steps_per_epoch // 2
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warmup if s < warmup else
        0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, total - warmup))))
    gen = torch.Generator().manual_seed(args.seed)
    step = 0
    for epoch in range(args.epochs):
        model.train()
        t0 = time.time()
        order = torch.randperm(len(tr_y), generator=gen)
        seen, loss_sum, correct = 0, 0.0, 0
        for b in range(steps_per_epoch):
            idx = order[b * args.batch:(b + 1) * args.batch]
            x = to_input(augment(tr_u8[idx], gen))
            y = tr_y[idx]
            out = model(x)  # train mode: (head, dist_head)
            loss = 0.5 * (F.cross_entropy(out[0], y, label_smoothing=0.1)
                          + F.cross_entropy(out[1], y, label_smoothing=0.1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            with torch.no_grad():
                decay = min(0.999, (1 + step) / (10 + step))
                for k, v in model.state_dict().items():
                    if v.dtype.is_floating_point:
                        ema[k].mul_(decay).add_(v.detach(), alpha=1 - decay)
                    else:
                        ema[k].copy_(v)
            seen += len(y)
            loss_sum += loss.item() * len(y)
            correct += ((out[0] + out[1]).argmax(1) == y).sum().item()
            if b % 50 == 0:
                print(f"  epoch {epoch + 1} step {b}/{steps_per_epoch} loss {loss_sum / seen:.4f}",
                      end="\r", flush=True)
        acc = evaluate(model, te_u8, te_y)
        # Resumable progress: the latest state after every epoch.
        torch.save({"state_dict": model.state_dict(), "state_dict_ema": ema, "epoch": epoch + 1,
                    "optimizer": opt.state_dict(), "lr_scheduler": sched.state_dict()},
                   os.path.join(args.out, CONFIG["name"] + ".last.pth"))
        say(f"epoch {epoch + 1}/{args.epochs}: train loss {loss_sum / seen:.4f} "
            f"train acc {correct / seen:.4f} test acc {acc:.4f} lr {sched.get_last_lr()[0]:.2e} "
            f"({time.time() - t0:.0f}s)")

    acc = evaluate(model, te_u8, te_y)
    ema_model = ref.MobileViG(blocks=CONFIG["blocks"], channels=CONFIG["channels"],
                              emb_dims=CONFIG["embedding"], K=CONFIG["k"], distillation=True,
                              num_classes=CONFIG["classes"])
    ema_model.load_state_dict(ema)
    ema_acc = evaluate(ema_model, te_u8, te_y)
    say(f"final test accuracy: weights {acc:.4f}, EMA {ema_acc:.4f}")
    best = ema if ema_acc > acc else model.state_dict()
    say(f"shipping the {'EMA' if ema_acc > acc else 'final'} weights")

    from safetensors.torch import save_file
    base = os.path.join(args.out, CONFIG["name"])
    save_file({k: v.contiguous() for k, v in best.items()}, base + ".safetensors",
              metadata={"config": json.dumps(CONFIG)})
    torch.save({"state_dict": model.state_dict(), "state_dict_ema": ema,
                "optimizer": opt.state_dict(), "lr_scheduler": sched.state_dict(),
                "epoch": args.epochs, "args": args}, base + ".pth")
    with open(base + ".config.json", "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    with open(os.path.join(args.out, "labels.txt"), "w") as f:
        f.write("\n".join(LABELS) + "\n")
    say(f"wrote {base}.safetensors, {base}.pth, {base}.config.json, labels.txt")


if __name__ == "__main__":
    main()
