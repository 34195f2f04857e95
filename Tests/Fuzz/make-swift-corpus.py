#!/usr/bin/env python3
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Writes the seed corpora of the Swift parser fuzzer (Tools/fuzz-swift.sh):
#   make-swift-corpus.py ROOT OUT     # OUT/pickle, OUT/zip, OUT/safetensors, OUT/npy, OUT/idx
# from the committed checkpoint and golden fixtures plus a few hand-made streams. Standard
# library only; the same files every run.
import io
import os
import pickle
import shutil
import struct
import sys
import zipfile

root, out = sys.argv[1], sys.argv[2]
fixtures = os.path.join(root, "Tests", "Fixtures")


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


for t in ["pickle", "zip", "safetensors", "npy", "idx"]:
    shutil.rmtree(os.path.join(out, t), ignore_errors=True)

# zip: whole checkpoint files; pickle: their data.pkl streams and the value pickles.
ckpt = os.path.join(fixtures, "checkpoint")
for name in sorted(os.listdir(ckpt)):
    path = os.path.join(ckpt, name)
    data = open(path, "rb").read()
    if name.endswith(".pth") or name.endswith(".safetensors"):
        put("zip", name, data)
    if name.endswith(".pkl"):
        put("pickle", name, data)
    if name.endswith(".pth") and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for entry in z.namelist():
                if entry.endswith("/data.pkl"):
                    put("pickle", name + ".data.pkl", z.read(entry))

# Hand-made pickles: a tensor over storage "0" (the harness stores 64 floats there), an
# OrderedDict, memo reuse; every protocol of a plain nested value.
tensor = (b"\x80\x02}X\x0a\x00\x00\x00state_dictccollections\nOrderedDict\n)R"
          b"X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n"
          b"((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu"
          b"K@tQK\x00K\x04K\x10\x86K\x10K\x01\x86\x89NtRss.")
put("pickle", "tensor.pkl", tensor)
memo = b"\x80\x02K\x01q\x000" + b"(h\x00h\x00h\x00tq\x000" * 6 + b"}h\x00Ns."
put("pickle", "memo-tree.pkl", memo)
value = {"a": [1, 2.5, "x", b"y", None, True], ("k", 3): {"n": (1, (2, (3,)))}, "big": 1 << 70}
for p in range(0, 6):
    put("pickle", "value-p%d.pkl" % p, pickle.dumps(value, protocol=p))

# safetensors: header, a NUL, data (the harness recomputes the length).
header = b'{"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}, ' \
         b'"b": {"dtype": "F16", "shape": [3], "data_offsets": [16, 22]}, "__metadata__": {"k": "v"}}'
put("safetensors", "two.st", header + b"\x00" + bytes(range(22)))
gold = os.path.join(fixtures, "golden")
for name in ["tiny-d.safetensors"]:
    data = open(os.path.join(gold, name), "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    put("safetensors", name, data[8:8 + n] + b"\x00" + data[8 + n:8 + n + 4096])


def npy(descr, shape, payload, version=1):
    d = ("{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)).encode()
    pre = 10 if version == 1 else 12
    pad = (-(pre + len(d) + 1)) % 64
    d += b" " * pad + b"\n"
    head = b"\x93NUMPY" + bytes([version, 0])
    head += struct.pack("<H", len(d)) if version == 1 else struct.pack("<I", len(d))
    return head + d + payload


put("npy", "f4.npy", npy("<f4", "(1, 3, 2, 2)", struct.pack("<12f", *range(12))))
put("npy", "f8.npy", npy("<f8", "(3,)", struct.pack("<3d", 1.0, -2.0, 1e300)))
put("npy", "u1.npy", npy("|u1", "(2, 2, 3)", bytes(range(12))))
put("npy", "v2.npy", npy("<f4", "(2,)", struct.pack("<2f", 1, 2), version=2))
put("npy", "scalar.npy", npy("<f4", "()", struct.pack("<f", 3)))

# IDX: a 3-dimensional image file and a 1-dimensional label file.
put("idx", "images.idx", b"\x00\x00\x08\x03" + struct.pack(">3I", 2, 3, 4) + bytes(range(24)))
put("idx", "labels.idx", b"\x00\x00\x08\x01" + struct.pack(">I", 5) + bytes([0, 1, 2, 9, 3]))
put("idx", "wrap.idx", b"\x00\x00\x08\x03" + struct.pack(">3I", 1 << 22, 1 << 21, 1 << 21))
