#!/usr/bin/env python3
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
"""Writes the image-input golden fixtures into Tests/Fixtures/images/.

Run with the tools venv (Pillow, numpy, torch, torchvision, timm):

    .venv-tools/bin/python Tools/make-preprocess-golden.py

Inputs are small crops of real photos shipped by Debian packages (opencv-doc, python3-skimage,
python3-sklearn), re-encoded by Pillow in every format the decoder reads. For each input
<name>.<ext> it writes:

  <name>.decoded.npy     uint8 (H, W, 3): Image.open(p).convert("RGB")  (Exif-transposed for
                         the exif-* inputs, which the Swift decoder rotates by default)
  <name>.s64.u8.npy      uint8 (64, 64, 3): the timm eval transform up to CenterCrop
  <name>.s64.f32.npy     float32 (3, 64, 64): the whole timm eval transform
  (and .s224.* for the inputs listed in SIZES_224)

plus jpeg-digests.txt: CRC-32 digests of Pillow's decode of the full-size system JPEGs,
so the Swift tests can compare the decoders on real files without storing their pixels.
The output is deterministic: running the script twice gives the same files.
"""

import io
import os
import shutil
import sys
import zlib

import numpy as np
import PIL
import timm
import timm.data
import torch
import torchvision
from PIL import Image, ImageOps, features

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "images")
OPENCV = "/usr/share/doc/opencv-doc/examples/data"
SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data"
SKLEARN = "/usr/lib/python3/dist-packages/sklearn/datasets/images"

SIZES = [64]
SIZES_224 = {"landscape.jpg"}
# The float stage is a pure function of the uint8 stage (checked below for every input), so
# only these inputs store it, to keep the fixtures under 2 MB.
FLOAT_GOLDENS = {"landscape.jpg", "gray.jpg", "alpha.png"}


def photo(name, box, size):
    """A crop `box` of an opencv-doc photo, downscaled (Lanczos) to `size`."""
    im = Image.open(os.path.join(OPENCV, name)).convert("RGB").crop(box)
    return im.resize(size, Image.LANCZOS)


def make_inputs():
    """Writes the input images and returns their file names (in a fixed order)."""
    files = []

    def save(im, fname, **kw):
        im.save(os.path.join(OUT, fname), **kw)
        files.append(fname)

    # Landscape and portrait colour photos, baseline JPEG 4:2:0, quality 90.
    save(photo("fruits.jpg", (0, 40, 512, 381), (300, 200)), "landscape.jpg", quality=90)
    save(photo("messi5.jpg", (200, 0, 433, 342), (150, 220)), "portrait.jpg", quality=90)
    # Grayscale JPEG (mode L, one component).
    save(photo("building.jpg", (100, 100, 700, 550), (200, 150)).convert("L"), "gray.jpg",
         quality=90)
    # Smaller than the 64 crop: the resize upscales.
    save(photo("HappyFish.jpg", (0, 0, 259, 194), (48, 36)), "small.jpg", quality=90)
    # Progressive JPEG and 4:4:4 / 4:2:2 chroma (the upsampler differs per layout).
    save(photo("baboon.jpg", (0, 0, 512, 512), (96, 80)), "progressive.jpg", quality=85,
         progressive=True)
    save(photo("orange.jpg", (0, 0, 512, 512), (90, 70)), "chroma444.jpg", quality=90,
         subsampling=0)
    save(photo("apple.jpg", (0, 0, 512, 512), (91, 67)), "chroma422.jpg", quality=90,
         subsampling=1)
    # CMYK JPEG (Pillow writes Adobe-inverted CMYK).
    save(photo("butterfly.jpg", (0, 0, 493, 356), (40, 30)).convert("CMYK"), "cmyk.jpg",
         quality=90)
    # RGBA PNG with a real alpha gradient (dropped, not composited, by convert("RGB")).
    rgba = photo("baboon.jpg", (100, 100, 420, 340), (160, 120)).convert("RGBA")
    alpha = np.tile(np.linspace(0, 255, 160, dtype=np.float64).astype(np.uint8), (120, 1))
    rgba.putalpha(Image.fromarray(alpha, "L"))
    save(rgba, "alpha.png")
    # Palette PNG with a transparent index.
    pal = photo("home.jpg", (0, 0, 512, 384), (160, 120)).quantize(colors=64, method=0)
    save(pal, "palette.png", transparency=0)
    # Gray+alpha, 1-bit, 16-bit RGB and interlaced PNGs, all small.
    la = photo("home.jpg", (100, 50, 300, 200), (40, 30)).convert("LA")
    save(la, "gray-alpha.png")
    save(photo("apple.jpg", (0, 0, 512, 512), (33, 25)).convert("1"), "bilevel.png")
    rgb16 = np.asarray(photo("orange.jpg", (50, 50, 450, 350), (37, 29))).astype(np.uint16)
    rgb16 = rgb16 * 257 + np.arange(37, dtype=np.uint16)[None, :, None]  # nonzero low bytes
    write_png16(os.path.join(OUT, "rgb16.png"), rgb16)
    files.append("rgb16.png")
    save(photo("fruits.jpg", (0, 0, 512, 480), (45, 41)), "interlaced.png", optimize=False)
    reencode_interlaced(os.path.join(OUT, "interlaced.png"))
    # Binary PPM and PGM, maxval 255; plus maxval 100 and 16-bit (maxval 1000) PPMs.
    save(photo("home.jpg", (0, 0, 512, 384), (120, 90)), "rgb8.ppm")
    save(photo("building.jpg", (0, 0, 868, 600), (100, 80)).convert("L"), "gray8.pgm")
    small = np.asarray(photo("fruits.jpg", (0, 0, 512, 480), (20, 15))).astype(np.uint32)
    write_pnm(os.path.join(OUT, "maxval100.ppm"), small * 100 // 255, 100)
    files.append("maxval100.ppm")
    write_pnm(os.path.join(OUT, "maxval1000.ppm"), small * 1000 // 255 + 0, 1000)
    files.append("maxval1000.ppm")
    # Exif orientations 1...8 on a small asymmetric photo.
    base = photo("messi5.jpg", (0, 0, 548, 342), (24, 16))
    for o in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = o
        save(base, "exif-%d.jpg" % o, quality=90, exif=exif.tobytes())
    return files


def write_png16(path, rgb16):
    """Writes a 16-bit RGB PNG (Pillow cannot write one from a numpy array)."""
    import struct

    h, w, _ = rgb16.shape
    raw = b"".join(b"\x00" + rgb16[y].astype(">u2").tobytes() for y in range(h))

    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def reencode_interlaced(path):
    """Rewrites an 8-bit RGB PNG with Adam7 interlacing (Pillow cannot write it)."""
    import struct

    im = np.asarray(Image.open(path).convert("RGB"))
    h, w, _ = im.shape
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
              (0, 1, 1, 2)]
    raw = b""
    for x0, y0, dx, dy in passes:
        sub = im[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        raw += b"".join(b"\x00" + row.tobytes() for row in sub)

    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 1)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def write_pnm(path, rgb, maxval):
    h, w, _ = rgb.shape
    dtype = ">u2" if maxval > 255 else "u1"
    with open(path, "wb") as f:
        f.write(b"P6\n# written by make-preprocess-golden.py\n%d %d\n%d\n" % (w, h, maxval))
        f.write(rgb.astype(dtype).tobytes())


def reference_transform(size):
    """timm's eval transform as the MobileViGv2 reference builds it (bicubic, crop_pct 0.9)."""
    return timm.data.create_transform(
        input_size=(3, size, size), interpolation="bicubic", crop_pct=0.9, is_training=False,
        mean=timm.data.IMAGENET_DEFAULT_MEAN, std=timm.data.IMAGENET_DEFAULT_STD)


def crc32(a):
    """zlib's CRC-32 of the bytes of a C-contiguous array."""
    return zlib.crc32(np.ascontiguousarray(a).tobytes()) & 0xFFFFFFFF


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    files = make_inputs()
    shutil.copy(os.path.join(SKIMAGE, "truncated.jpg"), os.path.join(OUT, "corrupt-truncated-header.jpg"))
    # A real JPEG cut in the middle of its entropy-coded data.
    with open(os.path.join(OUT, "landscape.jpg"), "rb") as f:
        data = f.read()
    with open(os.path.join(OUT, "corrupt-truncated-scan.jpg"), "wb") as f:
        f.write(data[: len(data) * 6 // 10])

    transforms = {s: reference_transform(s) for s in SIZES + [224]}
    for fname in files:
        name, _ = os.path.splitext(fname)
        path = os.path.join(OUT, fname)
        im = Image.open(path)
        decoded = im.convert("RGB")
        shown = ImageOps.exif_transpose(im).convert("RGB") if name.startswith("exif-") else decoded
        np.save(os.path.join(OUT, name + ".decoded.npy"), np.asarray(shown, dtype=np.uint8))
        if name.startswith("exif-") and name != "exif-6":
            continue  # one Exif case is enough for the preprocessing goldens
        sizes = SIZES + ([224] if fname in SIZES_224 else [])
        for s in sizes:
            t = transforms[s]
            resize_crop = torchvision.transforms.Compose(t.transforms[:2])
            u8 = np.asarray(resize_crop(decoded), dtype=np.uint8)
            f32 = t(decoded).numpy().astype(np.float32)
            # The float stage is a pure function of the uint8 stage: check it here too.
            mean = torch.tensor(timm.data.IMAGENET_DEFAULT_MEAN).view(3, 1, 1)
            std = torch.tensor(timm.data.IMAGENET_DEFAULT_STD).view(3, 1, 1)
            again = torch.from_numpy(u8.copy()).permute(2, 0, 1).float().div(255).sub(mean).div(std)
            assert np.array_equal(again.numpy(), f32), name
            np.save(os.path.join(OUT, "%s.s%d.u8.npy" % (name, s)), u8)
            if fname in FLOAT_GOLDENS:
                np.save(os.path.join(OUT, "%s.s%d.f32.npy" % (name, s)), f32)

    # crop_pct > 1: the resized image (53 px) is smaller than the crop, torchvision pads with 0.
    padded = timm.data.create_transform(
        input_size=(3, 64, 64), interpolation="bicubic", crop_pct=1.2, is_training=False)
    decoded = Image.open(os.path.join(OUT, "portrait.jpg")).convert("RGB")
    u8 = np.asarray(torchvision.transforms.Compose(padded.transforms[:2])(decoded), dtype=np.uint8)
    np.save(os.path.join(OUT, "portrait.pad120.s64.u8.npy"), u8)

    # Digests of Pillow's decode of whole system JPEGs (skipped by the tests when absent).
    lines = []
    candidates = sorted(
        os.path.join(OPENCV, f) for f in os.listdir(OPENCV) if f.lower().endswith(".jpg"))
    candidates += [os.path.join(SKLEARN, "china.jpg"), os.path.join(SKLEARN, "flower.jpg"),
                   os.path.join(SKIMAGE, "rocket.jpg"), os.path.join(SKIMAGE, "retina.jpg")]
    for p in candidates:
        if not os.path.exists(p):
            continue
        try:
            rgb = np.asarray(Image.open(p).convert("RGB"), dtype=np.uint8)
        except OSError:
            continue
        lines.append("%08x %d %d %s" % (crc32(rgb), rgb.shape[1], rgb.shape[0], p))
    with open(os.path.join(OUT, "jpeg-digests.txt"), "w") as f:
        f.write("# crc32(Pillow RGB decode) width height path -- make-preprocess-golden.py\n")
        f.write("# Pillow %s, libjpeg-turbo %s\n" % (PIL.__version__, features.version("libjpeg_turbo")))
        f.write("\n".join(lines) + "\n")

    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print("wrote %d files, %d bytes, to %s" % (len(os.listdir(OUT)), total, OUT))
    print("Pillow %s, torch %s, torchvision %s, timm %s" % (
        PIL.__version__, torch.__version__, torchvision.__version__, timm.__version__))


if __name__ == "__main__":
    sys.exit(main())
