#!/usr/bin/env python3
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
"""How close does int8 stay to fp32: Vigil against ONNX Runtime's static int8 quantization.

Both quantize the same checkpoint (a full-size MobileViGv2 written by Tools/make-golden.py
--full, trained-looking parameters) with the same real calibration photos, and both are
measured on the same held-out real photos against the fp32 reference (the authors' PyTorch
model): logit cosine similarity (mean and worst) and top-1 agreement.

ONNX Runtime: QDQ format, activations uint8, weights int8 per channel (U8S8), calibration
MinMax, Entropy and Percentile (the best is reported as ORT's result). Vigil: `vigil quantize`
with each of its methods, then `vigil classify MODEL.vigil --json --logits`.

Usage (runs outside CI):
  .venv-tools/bin/python Tools/compare-onnxruntime.py --reference DIR --golden .golden-full \
      --vigil .build/release/vigil [--variant ti] [--calib 24] [--out /tmp/vigil-ort]

Photos: Debian's opencv-doc examples (/usr/share/doc/opencv-doc/examples/data/*.jpg) and
python3-skimage's data (*.png, *.jpg), sorted by name; every other one goes to calibration
until --calib are taken, the rest are held out.
"""
import argparse
import glob
import importlib.util
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
from PIL import Image


def load_reference(ref_dir):
    path = os.path.join(ref_dir, "models", "mobilevigv2.py")
    spec = importlib.util.spec_from_file_location("mobilevigv2_reference", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def photos():
    files = sorted(glob.glob("/usr/share/doc/opencv-doc/examples/data/*.jpg"))
    files += sorted(glob.glob("/usr/lib/python3/dist-packages/skimage/data/*.jpg"))
    files += sorted(glob.glob("/usr/lib/python3/dist-packages/skimage/data/*.png"))
    good = []
    for f in files:
        try:
            with Image.open(f) as im:
                if min(im.size) >= 64:
                    good.append(f)
        except Exception:
            pass
    return good


def cosine(a, b):
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-30))


def summarize(name, fp32, q):
    cos = [cosine(fp32[i], q[i]) for i in range(len(fp32))]
    top1 = np.mean([np.argmax(fp32[i]) == np.argmax(q[i]) for i in range(len(fp32))])
    return {"name": name, "cosine_mean": float(np.mean(cos)), "cosine_min": float(np.min(cos)),
            "top1_agreement": float(top1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--golden", default=".golden-full")
    ap.add_argument("--vigil", default=".build/release/vigil")
    ap.add_argument("--variant", default="ti")
    ap.add_argument("--calib", type=int, default=24)
    ap.add_argument("--out", default="/tmp/vigil-ort")
    args = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)

    import timm.data
    import onnxruntime as ort
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    ref = load_reference(args.reference)
    model = getattr(ref, f"mobilevigv2_{args.variant}")()
    ckpt = os.path.join(args.golden, f"{args.variant}.full.pth")
    sd = torch.load(ckpt, map_location="cpu", weights_only=False)["state_dict"]
    model.load_state_dict(sd)
    model.eval()
    config = os.path.join(args.golden, f"{args.variant}.config.json")

    files = photos()
    calib = files[0::2][:args.calib]
    held = [f for f in files if f not in calib]
    print(f"{len(files)} photos: {len(calib)} for calibration, {len(held)} held out", flush=True)
    transform = timm.data.create_transform(input_size=224, crop_pct=0.9, interpolation="bicubic",
                                           mean=timm.data.IMAGENET_DEFAULT_MEAN,
                                           std=timm.data.IMAGENET_DEFAULT_STD)

    def tensor(f):
        with Image.open(f) as im:
            return transform(im.convert("RGB")).unsqueeze(0)

    calib_x = [tensor(f).numpy() for f in calib]
    held_x = [tensor(f).numpy() for f in held]
    with torch.no_grad():
        fp32 = [model(torch.from_numpy(x))[0].numpy() for x in held_x]

    onnx_path = os.path.join(args.out, f"{args.variant}.onnx")
    torch.onnx.export(model, torch.from_numpy(calib_x[0]), onnx_path, input_names=["input"],
                      output_names=["logits"], opset_version=17, dynamo=False)
    pre = os.path.join(args.out, f"{args.variant}.pre.onnx")
    quant_pre_process(onnx_path, pre)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(calib_x)

        def get_next(self):
            x = next(self.it, None)
            return None if x is None else {"input": x}

    results = []
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    for method in ["MinMax", "Entropy", "Percentile"]:
        qpath = os.path.join(args.out, f"{args.variant}.{method}.qdq.onnx")
        t0 = time.time()
        quantize_static(pre, qpath, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=getattr(CalibrationMethod, method))
        sess = ort.InferenceSession(qpath, opts, providers=["CPUExecutionProvider"])
        q = [sess.run(None, {"input": x})[0][0] for x in held_x]
        r = summarize(f"onnxruntime {method}", fp32, q)
        results.append(r)
        print(json.dumps(r), f"({time.time() - t0:.0f}s)", flush=True)

    listfile = os.path.join(args.out, "calib.txt")
    with open(listfile, "w") as f:
        f.write("\n".join(calib) + "\n")
    for method in ["minmax", "percentile", "entropy", "mse"]:
        out = os.path.join(args.out, f"{args.variant}.{method}.vigil")
        t0 = time.time()
        subprocess.run([args.vigil, "quantize", "--checkpoint", ckpt, "--config", config,
                        "--calib", listfile, "--method", method, "-o", out], check=True,
                       stdout=subprocess.DEVNULL)
        run = subprocess.run([args.vigil, "classify", out, "--json", "--logits", "--top", "1"] + held,
                             check=False, capture_output=True, text=True)
        lines = [json.loads(l) for l in run.stdout.splitlines()]
        by_input = {l["input"]: np.array(l["logits"], dtype=np.float32) for l in lines if "logits" in l}
        q = [by_input[f] for f in held]
        r = summarize(f"vigil {method}", fp32, q)
        results.append(r)
        print(json.dumps(r), f"({time.time() - t0:.0f}s)", flush=True)

    best_ort = max((r for r in results if r["name"].startswith("onnxruntime")),
                   key=lambda r: (r["cosine_mean"], r["top1_agreement"]))
    best_vigil = max((r for r in results if r["name"].startswith("vigil")),
                     key=lambda r: (r["cosine_mean"], r["top1_agreement"]))
    print("best onnxruntime:", json.dumps(best_ort))
    print("best vigil:      ", json.dumps(best_vigil))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"variant": args.variant, "calibration": calib, "held_out": held,
                   "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
