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
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_common as gc  # noqa: E402
import ort_common as oc  # noqa: E402


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

    ref = gc.load_reference(args.reference)
    model = getattr(ref, f"mobilevigv2_{args.variant}")()
    ckpt = os.path.join(args.golden, f"{args.variant}.full.pth")
    sd = torch.load(ckpt, map_location="cpu", weights_only=False)["state_dict"]
    model.load_state_dict(sd)
    model.eval()
    config = os.path.join(args.golden, f"{args.variant}.config.json")

    files = oc.photos()
    calib, held = oc.split_photos(files, args.calib)
    print(f"{len(files)} photos: {len(calib)} for calibration, {len(held)} held out", flush=True)
    calib_x = oc.photo_tensors(calib)
    held_x = oc.photo_tensors(held)
    with torch.no_grad():
        fp32 = [model(torch.from_numpy(x))[0].numpy() for x in held_x]

    onnx_path = os.path.join(args.out, f"{args.variant}.onnx")
    oc.export_onnx(model, calib_x[0], onnx_path)
    pre = os.path.join(args.out, f"{args.variant}.pre.onnx")
    oc.preprocess(onnx_path, pre)

    results = []
    for method in ["MinMax", "Entropy", "Percentile"]:
        qpath = os.path.join(args.out, f"{args.variant}.{method}.qdq.onnx")
        t0 = time.time()
        oc.quantize_u8s8(pre, qpath, calib_x, method)
        sess = oc.session(qpath, 2)
        q = [sess.run(None, {"input": x})[0][0] for x in held_x]
        r = oc.summarize(f"onnxruntime {method}", fp32, q)
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
        r = oc.summarize(f"vigil {method}", fp32, q)
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
