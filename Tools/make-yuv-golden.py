#!/usr/bin/env python3
# Writes the camera conversion fixtures in Tests/Fixtures/camera/ from an independent float64
# model of ITU-R BT.601 limited-range YCbCr -> RGB (numpy, not the C code):
#
#   R = 255/219 (Y-16)                                + 2 (1-Kr) 255/224 (V-128)
#   G = 255/219 (Y-16) - 2 (1-Kb) Kb/Kg 255/224 (U-128) - 2 (1-Kr) Kr/Kg 255/224 (V-128)
#   B = 255/219 (Y-16) + 2 (1-Kb) 255/224 (U-128)
#   Kr = 0.299, Kb = 0.114, Kg = 1 - Kr - Kb; floor(x + 0.5), clamped to 0..255.
#
# It also checks, for all 2^24 (Y, U, V) triples, that the 30-bit fixed-point coefficients
# Sources/CVigilSys/v4l2_convert.c uses give exactly the same bytes, and prints how many
# triples 16-bit coefficients would get wrong.
#
# Usage: python3 Tools/make-yuv-golden.py   (numpy only; run from anywhere)
import os
import numpy as np

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
out_dir = os.path.join(root, "Tests", "Fixtures", "camera")

KR, KB = 0.299, 0.114
KG = 1 - KR - KB
C_Y = 255 / 219
C_RV = 2 * (1 - KR) * 255 / 224
C_GU = 2 * (1 - KB) * KB / KG * 255 / 224
C_GV = 2 * (1 - KR) * KR / KG * 255 / 224
C_BU = 2 * (1 - KB) * 255 / 224


def reference(y, u, v):
    """float64 BT.601 limited range, rounded half up and clamped: (..., 3) uint8."""
    c = y.astype(np.float64) - 16
    d = u.astype(np.float64) - 128
    e = v.astype(np.float64) - 128
    rgb = np.stack([C_Y * c + C_RV * e, C_Y * c - C_GU * d - C_GV * e, C_Y * c + C_BU * d], -1)
    return np.clip(np.floor(rgb + 0.5), 0, 255).astype(np.uint8)


def fixed_point(y, u, v, shift):
    k = [int(round(x * (1 << shift))) for x in (C_Y, C_RV, C_GU, C_GV, C_BU)]
    c = (y.astype(np.int64) - 16) * k[0]
    d = u.astype(np.int64) - 128
    e = v.astype(np.int64) - 128
    half = 1 << (shift - 1)
    rgb = np.stack([c + k[1] * e, c - k[2] * d - k[3] * e, c + k[4] * d], -1)
    return np.clip((rgb + half) >> shift, 0, 255).astype(np.uint8), k


def exhaustive_check():
    y, u, v = (a.ravel() for a in np.meshgrid(np.arange(256), np.arange(256), np.arange(256),
                                              indexing="ij"))
    want = reference(y, u, v)
    got, k = fixed_point(y, u, v, 30)
    assert k == [1250247329, 1713720712, 420651556, 872917364, 2165986521], k
    bad = int(np.any(got != want, axis=-1).sum())
    assert bad == 0, f"30-bit fixed point differs from the float64 formula on {bad} triples"
    got16, _ = fixed_point(y, u, v, 16)
    bad16 = int(np.any(got16 != want, axis=-1).sum())
    print(f"all 16777216 (Y,U,V) triples: 30-bit fixed point exact; 16-bit off on {bad16}")


def main():
    exhaustive_check()
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(20261201)
    width, height = 64, 32

    # YUYV with 8 padding bytes per row (stride 136), random bytes everywhere (so clamping and
    # the padding being ignored are both covered).
    stride = 2 * width + 8
    yuyv = rng.integers(0, 256, size=(height, stride), dtype=np.uint8)
    pairs = yuyv[:, : 2 * width].reshape(height, width // 2, 4)
    y = np.stack([pairs[..., 0], pairs[..., 2]], -1).reshape(height, width)
    u = np.repeat(pairs[..., 1], 2, axis=1)
    v = np.repeat(pairs[..., 3], 2, axis=1)
    write("yuyv-64x32-stride136", yuyv.tobytes(), reference(y, u, v).tobytes())

    # NV12 with stride 72: a Y plane of 32 rows, then 16 rows of interleaved U V.
    stride = width + 8
    nv12 = rng.integers(0, 256, size=(height + height // 2, stride), dtype=np.uint8)
    y = nv12[:height, :width]
    uv = nv12[height:, :width].reshape(height // 2, width // 2, 2)
    u = np.repeat(np.repeat(uv[..., 0], 2, axis=0), 2, axis=1)
    v = np.repeat(np.repeat(uv[..., 1], 2, axis=0), 2, axis=1)
    write("nv12-64x32-stride72", nv12.tobytes(), reference(y, u, v).tobytes())


def write(name, raw, rgb):
    with open(os.path.join(out_dir, name + ".raw"), "wb") as f:
        f.write(raw)
    with open(os.path.join(out_dir, name + ".rgb"), "wb") as f:
        f.write(rgb)
    print(f"wrote {name}.raw ({len(raw)} B) and {name}.rgb ({len(rgb)} B)")


if __name__ == "__main__":
    main()
