// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for one image decoder of CVigilIO (Tools/fuzz-images.sh builds it once per
// format with -DVGL_FUZZ_FORMAT=1 JPEG, 2 PNG, 3 PNM, under ASan + UBSan). Each input goes
// through both entry points: the format's malloc'ing vgl_io_decode_* (with and without the
// Exif orientation for JPEG) and the header-then-caller-buffer pair the Swift core uses
// (vgl_io_image_size, vgl_io_decode_into), which must agree on the size and the pixels.
// Sizes are capped below the library's limits so one input stays fast under the sanitizers.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil_io.h"

#ifndef VGL_FUZZ_FORMAT
#error "build with -DVGL_FUZZ_FORMAT=1 (JPEG), 2 (PNG) or 3 (PNM)"
#endif

enum { kMaxFuzzPixels = 1 << 20 };

static vgl_io_status decode(const uint8_t *data, size_t size, int exif, vgl_io_image *out,
                            char *msg, size_t cap) {
#if VGL_FUZZ_FORMAT == 1
  return vgl_io_decode_jpeg(data, size, exif, out, msg, cap);
#elif VGL_FUZZ_FORMAT == 2
  (void)exif;
  return vgl_io_decode_png(data, size, out, msg, cap);
#else
  (void)exif;
  return vgl_io_decode_pnm(data, size, out, msg, cap);
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char msg[256];
  if (vgl_io_detect_format(data, size) != VGL_FUZZ_FORMAT) {
    // Another format's magic (the mutations find them): this decoder must refuse it.
    vgl_io_image image;
    msg[0] = '\0';
    if (decode(data, size, 0, &image, msg, sizeof msg) == VGL_IO_OK) vgl_io_free(image.pixels);
    return 0;
  }
  for (int exif = 0; exif <= (VGL_FUZZ_FORMAT == 1); exif++) {
    uint32_t w = 0, h = 0;
    msg[0] = '\0';
    const vgl_io_status sized = vgl_io_image_size(data, size, exif, &w, &h, msg, sizeof msg);
    if (sized != VGL_IO_OK) {
      if (msg[0] == '\0') __builtin_trap();  // refused without a message
      continue;
    }
    if ((uint64_t)w * h > kMaxFuzzPixels) continue;
    vgl_io_image image;
    msg[0] = '\0';
    const vgl_io_status st = decode(data, size, exif, &image, msg, sizeof msg);
    if (st != VGL_IO_OK) {
      if (msg[0] == '\0' || image.pixels != NULL) __builtin_trap();
    } else if (image.width != w || image.height != h) {
      __builtin_trap();  // the header and the decode disagree on the size
    }
    const size_t bytes = (size_t)w * h * 3;
    uint8_t *pixels = malloc(bytes);
    if (pixels == NULL) {
      vgl_io_free(image.pixels);
      continue;
    }
    const vgl_io_status into = vgl_io_decode_into(data, size, exif, pixels, bytes, msg, sizeof msg);
    if (into != st) __builtin_trap();  // one decoder, two entry points: the same verdict
    if (st == VGL_IO_OK && memcmp(pixels, image.pixels, bytes) != 0) __builtin_trap();
    free(pixels);
    vgl_io_free(image.pixels);
  }
  return 0;
}
