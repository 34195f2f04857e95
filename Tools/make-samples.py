#!/usr/bin/env python3
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
"""Write the bundled sample frames: Fashion-MNIST test images as PNG and JPEG files.

Usage: .venv-tools/bin/python Tools/make-samples.py [--data /usr/share/datasets/fashion-mnist]
       [--count 24] [--out Tests/Fixtures/samples]

Images 0..count/2-1 of the test split become PNG (lossless: `vigil classify` on them sees the
same pixels as `vigil eval` on the dataset), the next count/2 become JPEG (quality 95).
File names: t10k-<index>-<label>.<ext>. Also writes index.txt: file, test index, label id.
"""
import argparse
import gzip
import os

import numpy as np
from PIL import Image

LABELS = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker",
          "bag", "ankle-boot"]


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--count", type=int, default=24)
    ap.add_argument("--out", default="Tests/Fixtures/samples")
    args = ap.parse_args()
    images = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz"))
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for i in range(args.count):
        ext = "png" if i < args.count // 2 else "jpg"
        name = f"t10k-{i:05d}-{LABELS[labels[i]]}.{ext}"
        im = Image.fromarray(images[i], mode="L")
        if ext == "png":
            im.save(os.path.join(args.out, name), optimize=True)
        else:
            im.save(os.path.join(args.out, name), quality=95)
        rows.append(f"{name} {i} {labels[i]}")
    with open(os.path.join(args.out, "index.txt"), "w") as f:
        f.write("\n".join(rows) + "\n")
    print(f"wrote {args.count} samples to {args.out}")


if __name__ == "__main__":
    main()
