#!/usr/bin/env python3
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
"""Writes the small checkpoint fixtures that Tests/VigilKitTests/Checkpoint*Tests.swift load.

Run from the repository root with the tools venv:

    .venv-tools/bin/python Tools/make-checkpoint-fixtures.py [--out Tests/Fixtures/checkpoint]

Every fixture is < 50 KB. Values are seeded (torch.manual_seed(7767517)), and the script also
writes expected.json: for each fixture, the selected keys in file order with shape and the
exact float32 values (written as IEEE-754 bit patterns, so the Swift tests compare bit-exact).
Re-running the script rewrites everything; the .pth zip bytes differ between torch versions,
the values in expected.json do not.
"""
import argparse
import json
import os
import struct
import sys
from collections import OrderedDict

import torch
import torch.nn as nn

SEED = 7767517


class Tiny(nn.Module):
    """A model with the MobileViGv2 leaf kinds: conv, BN (with num_batches_tracked), layer scale."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.GELU())
        self.layer_scale_1 = nn.Parameter(1e-5 * torch.ones(4, 1, 1))
        self.head = nn.Conv2d(4, 5, 1)

    def forward(self, x):
        return self.head(self.stem(x) * self.layer_scale_1).mean((2, 3))


def bits(t):
    """float32 values of t (row-major, any dtype) as uint32 bit patterns."""
    flat = t.detach().to(torch.float32).contiguous().reshape(-1).tolist()
    return [struct.unpack("<I", struct.pack("<f", v))[0] for v in flat]


def describe(sd):
    return [{"key": k, "shape": list(v.shape), "bits": bits(v)} for k, v in sd.items()]


class Pwn:
    """Pickles as os.system('touch /tmp/vigil-pwned'): the importer must refuse it unread."""

    def __reduce__(self):
        return (os.system, ("touch /tmp/vigil-pwned",))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="Tests/Fixtures/checkpoint", help="output directory")
    opts = ap.parse_args()
    out = opts.out
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(SEED)
    expected = {}

    def save(name, obj, selected, **kw):
        path = os.path.join(out, name)
        torch.save(obj, path, **kw)
        if selected is not None:
            expected[name] = describe(selected)
        size = os.path.getsize(path)
        assert size < 50_000, f"{name} is {size} bytes"
        print(f"wrote {path} ({size} bytes)")

    # A short real training run so the optimizer, scheduler and BN statistics are populated.
    model = Tiny()
    ema = Tiny()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    for _ in range(2):
        x = torch.randn(2, 3, 6, 6)
        loss = model(x).square().mean()
        opt.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        sched.step()
    with torch.no_grad():
        for pe, pm in zip(ema.state_dict().values(), model.state_dict().values()):
            pe.copy_(pm.float() * 0.5 if pe.is_floating_point() else pm)

    sd = model.state_dict()
    sd_ema = ema.state_dict()
    run_args = argparse.Namespace(
        model="mobilevigv2_ti", lr=1e-3, epochs=300, amp=True, drop_path=None,
        input_size=(3, 224, 224), mean=[0.485, 0.456, 0.406], smoothing=0.1,
        device=torch.device("cpu"), dtype=torch.float16, tags={"a", "b"}, raw=b"\x00\xffbytes",
        big=2**70, neg=-(2**40), model_ema_decay=0.9998, output="",
    )
    full = {
        "state_dict": sd,
        "state_dict_ema": sd_ema,
        "optimizer": opt.state_dict(),
        "lr_scheduler": sched.state_dict(),
        "epoch": 2,
        "scaler": scaler.state_dict(),
        "args": run_args,
    }
    save("full.pth", full, sd)
    expected["full.pth#ema"] = describe(sd_ema)

    save("module-prefix.pth", {"state_dict": OrderedDict(("module." + k, v) for k, v in sd.items())}, sd)
    save("model-key.pth", {"model": sd, "epoch": 1}, sd)
    save("bare.pth", sd, sd)

    # Half precision: the expected values are the float16/bfloat16 values widened to float32.
    half = OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in sd.items())
    save("float16.pth", {"state_dict": half}, half)
    bf = OrderedDict((k, v.bfloat16() if v.is_floating_point() else v) for k, v in sd.items())
    save("bfloat16.pth", {"state_dict": bf}, bf)
    dbl = OrderedDict((k, v.double() if v.is_floating_point() else v) for k, v in sd.items())
    save("float64.pth", {"state_dict": dbl}, dbl)

    # Non-contiguous views: a transpose, a strided slice with an offset, a permute and a view
    # that shares its storage with another entry.
    base = torch.arange(60, dtype=torch.float32).reshape(3, 4, 5) / 7
    views = OrderedDict(
        transposed=base[0].t(),
        sliced=base[:, 1::2, ::2],
        permuted=base.permute(2, 0, 1),
        shared=base[2],
        scalar=torch.tensor(3.25),
        empty=torch.zeros(0, 3),
    )
    for v in list(views.values())[:3]:
        assert not v.is_contiguous()
    save("strided.pth", {"state_dict": views}, views)

    # safetensors, written by hand (the format is tiny), with __metadata__ and mixed dtypes.
    st = OrderedDict(
        [("b.weight", sd["stem.0.weight"]), ("a.bias", sd["stem.0.bias"].half()),
         ("c.scale", sd["layer_scale_1"].bfloat16()), ("d.double", base[1].double()),
         ("e.count", torch.tensor(7, dtype=torch.int64))]
    )
    write_safetensors(os.path.join(out, "model.safetensors"), st, {"format": "pt"})
    expected["model.safetensors"] = describe(st)

    # Other pickle protocols torch.save accepts: 4 (FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE)
    # and 1 (no NEWOBJ: argparse.Namespace goes through copyreg._reconstructor).
    small = {"state_dict": sd, "epoch": 3, "args": argparse.Namespace(lr=0.5, name="p", sizes=(1, 2))}
    save("protocol4.pth", small, sd, pickle_protocol=4)
    save("protocol1.pth", small, sd, pickle_protocol=1)
    # Stored under an "archive/" top folder, as torch.save to a file-like object names it.
    import io
    buf = io.BytesIO()
    torch.save({"state_dict": sd}, buf)
    with open(os.path.join(out, "archive-folder.pth"), "wb") as f:
        f.write(buf.getvalue())
    expected["archive-folder.pth"] = describe(sd)

    # Plain pickles of assorted values for the unpickler's own tests, one per protocol, with
    # the rendering the Swift test's renderer must produce (see render()).
    values = {
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -129, 2**31 - 1, -(2**31), 2**31, 2**62,
                 2**63 - 1, -(2**63), 2**63, 2**70, -(2**70)],
        "floats": [0.0, -0.0, 1.5, -0.25, 0.1, 1e-05, 3.141592653589793, float("inf"), 1e300],
        "strs": ["", "a", "state_dict", "caf\u00e9", "\u2603 snow", "\U0001F600", "x" * 300],
        "bytes": [b"", b"\x00\xff\x80abc", bytes(range(256))],
        "consts": (None, True, False),
        "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((1, (2,)), "t")],
        "long_list": list(range(2500)),
        "nested": {"a": {"b": {"c": [1, {"d": (2, 3)}]}}, 7: "int key", (1, "t"): "tuple key"},
        "sets": [{1, 2, 3}, frozenset({"x", "y"}), set()],
        "ordered": OrderedDict([("z", 1), ("a", 2)]),
    }
    shared = [1, 2]
    values["shared"] = [shared, shared, {"again": shared}]
    rendered = render(values)
    import pickle
    for proto in range(6):
        name = f"values-p{proto}.pkl"
        with open(os.path.join(out, name), "wb") as f:
            f.write(pickle.dumps(values, protocol=proto))
        assert render(pickle.loads(pickle.dumps(values, protocol=proto))) == rendered
        print(f"wrote {os.path.join(out, name)}")
    with open(os.path.join(out, "values.txt"), "w") as f:
        f.write(rendered + "\n")

    save("legacy.pth", {"state_dict": sd}, None, _use_new_zipfile_serialization=False)
    save("hostile.pth", {"state_dict": sd, "payload": Pwn()}, None)

    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=0, sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.join(out, 'expected.json')}")


def render(v):
    """The canonical text the Swift tests render an unpickled value as."""
    if v is None:
        return "None"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, int):
        return str(v) if -(2**63) <= v < 2**63 else "big"
    if isinstance(v, float):
        return "f:" + struct.pack(">d", v).hex()
    if isinstance(v, str):
        return "'" + v + "'"
    if isinstance(v, bytes):
        return "b:" + v.hex()
    if isinstance(v, list):
        return "[" + ", ".join(render(x) for x in v) + "]"
    if isinstance(v, tuple):
        return "(" + ", ".join(render(x) for x in v) + ")"
    if isinstance(v, dict):
        return "{" + ", ".join(render(k) + ": " + render(x) for k, x in v.items()) + "}"
    if isinstance(v, (set, frozenset)):
        return "set{" + ", ".join(sorted(render(x) for x in v)) + "}"
    raise TypeError(type(v))


DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.float64: "F64", torch.int64: "I64"}


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for k, v in tensors.items():
        raw = v.contiguous().view(torch.uint8).numpy().tobytes() if v.dim() else \
            v.reshape(1).contiguous().view(torch.uint8).numpy().tobytes()
        header[k] = {"dtype": DTYPES[v.dtype], "shape": list(v.shape),
                     "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    sys.exit(main())
