#!/usr/bin/env python3
# Writes a MobileViGv2 checkpoint with random weights (numpy only, no torch) in the reference
# code's state-dict key names, as .safetensors, for timing and whole-network bit-exactness
# checks at full size when no trained weights exist:
#   Tools/make-random-checkpoint.py VARIANT OUT.safetensors [--seed N]
# VARIANT: ti, s, m, b (the published widths, 224x224, 1000 classes). Outside CI.
import argparse
import json
import struct

import numpy as np

VARIANTS = {
    "ti": ([32, 64, 128, 256], [[2, 0], [2, 2], [6, 2], [2, 2]], 512),
    "s": ([32, 64, 128, 256], [[3, 0], [3, 3], [9, 3], [3, 3]], 512),
    "m": ([32, 64, 192, 384], [[3, 0], [3, 3], [9, 3], [3, 3]], 512),
    "b": ([64, 128, 256, 512], [[3, 0], [3, 3], [9, 3], [3, 3]], 768),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("variant", choices=sorted(VARIANTS))
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--classes", type=int, default=1000)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    channels, blocks, embedding = VARIANTS[args.variant]
    tensors = {}

    def conv(name, out_c, in_c, k, bias=True):
        fan_in = in_c * k * k
        tensors[name + ".weight"] = rng.normal(0, (2.0 / fan_in) ** 0.5, (out_c, in_c, k, k))
        if bias:
            tensors[name + ".bias"] = rng.normal(0, 0.02, (out_c,))

    def bn(name, c):
        tensors[name + ".weight"] = rng.uniform(0.7, 1.3, (c,))
        tensors[name + ".bias"] = rng.normal(0, 0.1, (c,))
        tensors[name + ".running_mean"] = rng.normal(0, 0.1, (c,))
        tensors[name + ".running_var"] = rng.uniform(0.5, 1.5, (c,))
        tensors[name + ".num_batches_tracked"] = np.array(100, dtype=np.int64)

    c0 = channels[0]
    conv("stem.stem.0", c0 // 2, 3, 3)
    bn("stem.stem.1", c0 // 2)
    conv("stem.stem.3", c0, c0 // 2, 3)
    bn("stem.stem.4", c0)
    for s, c in enumerate(channels):
        local, glob = blocks[s]
        index = 0
        if s > 0:
            conv(f"backbone.{s}.0.conv.0", c, channels[s - 1], 3)
            bn(f"backbone.{s}.0.conv.1", c)
            index = 1
        for _ in range(local):
            p = f"backbone.{s}.{index}"
            conv(p + ".dws.pw1", 4 * c, c, 1)
            bn(p + ".dws.norm1", 4 * c)
            tensors[p + ".dws.dw.weight"] = rng.normal(0, (2.0 / 9) ** 0.5, (4 * c, 1, 3, 3))
            tensors[p + ".dws.dw.bias"] = rng.normal(0, 0.02, (4 * c,))
            bn(p + ".dws.norm2", 4 * c)
            conv(p + ".dws.pw2", c, 4 * c, 1)
            bn(p + ".dws.norm3", c)
            tensors[p + ".layer_scale_1"] = np.full((c, 1, 1), 0.3)
            index += 1
        for _ in range(glob):
            p = f"backbone.{s}.{index}"
            tensors[p + ".mixer.cpe.pe.weight"] = rng.normal(0, 0.05, (c, 1, 7, 7))
            tensors[p + ".mixer.cpe.pe.bias"] = rng.normal(0, 0.02, (c,))
            conv(p + ".mixer.fc1.0", c, c, 1)
            bn(p + ".mixer.fc1.1", c)
            conv(p + ".mixer.graph_conv.nn.0", c, 2 * c, 1)
            bn(p + ".mixer.graph_conv.nn.1", c)
            conv(p + ".mixer.fc2.0", c, c, 1)
            bn(p + ".mixer.fc2.1", c)
            conv(p + ".ffn.0", 4 * c, c, 1)
            bn(p + ".ffn.1", 4 * c)
            conv(p + ".ffn.3", c, 4 * c, 1)
            bn(p + ".ffn.4", c)
            tensors[p + ".layer_scale_1"] = np.full((c, 1, 1), 0.3)
            tensors[p + ".layer_scale_2"] = np.full((c, 1, 1), 0.3)
            index += 1
    conv("prediction.1", embedding, channels[-1], 1)
    bn("prediction.2", embedding)
    conv("head", args.classes, embedding, 1)
    conv("dist_head", args.classes, embedding, 1)

    header, blobs, at = {}, [], 0
    for name in sorted(tensors):
        a = tensors[name]
        a = a.astype(np.int64 if a.dtype == np.int64 else np.float32)
        raw = a.tobytes()
        header[name] = {"dtype": "I64" if a.dtype == np.int64 else "F32",
                        "shape": list(a.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(args.out, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


if __name__ == "__main__":
    main()
