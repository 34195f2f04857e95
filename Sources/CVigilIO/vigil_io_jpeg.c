// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// JPEG decoding through libjpeg(-turbo) from memory.
//
// libjpeg's default error_exit prints and calls exit(); a daemon must survive bad frames, so
// this file installs an error manager that formats libjpeg's message and longjmps back to the
// decode call, which frees everything and returns VGL_IO_E_CORRUPT (or _UNSUPPORTED).
#define _POSIX_C_SOURCE 200809L
#include "vigil_io_internal.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

// ---------------------------------------------------------------------------------------------
// Error manager

typedef struct jpeg_error_ctx {
  struct jpeg_error_mgr pub;  // must be first: libjpeg hands us a pointer to it
  jmp_buf jump;
  char *msg;
  size_t cap;
} jpeg_error_ctx;

// Replaces error_exit: never returns to libjpeg, never exits the process.
static _Noreturn void jpeg_error_longjmp(j_common_ptr cinfo) {
  jpeg_error_ctx *ctx = (jpeg_error_ctx *)cinfo->err;
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  vgl_io_fail(VGL_IO_E_CORRUPT, ctx->msg, ctx->cap, "JPEG: %s", text);
  longjmp(ctx->jump, 1);
}

// Replaces emit_message: libjpeg prints warnings to stderr by default. Corrupt-data warnings
// that Pillow tolerates (extraneous bytes before a marker, ...) are ignored, but running out of
// data is an error: libjpeg would otherwise pad the image with gray and report success, while
// Pillow refuses truncated files.
static void jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    jpeg_error_longjmp(cinfo);
  }
  if (msg_level < 0) cinfo->err->num_warnings++;
}

// Silences libjpeg's stderr output (trace messages and warnings).
static void jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

// A progressive JPEG may declare any number of scans, each re-reading the whole coefficient
// buffer: a small hostile file can keep the decoder busy for minutes. Real encoders write about
// ten; libjpeg-turbo 2.1 sets no limit, so this progress hook does.
#define VGL_IO_JPEG_MAX_SCANS 256

static void jpeg_limit_scans(j_common_ptr cinfo) {
  if (cinfo->is_decompressor) {
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > VGL_IO_JPEG_MAX_SCANS) {
      jpeg_error_ctx *ctx = (jpeg_error_ctx *)cinfo->err;
      vgl_io_fail(VGL_IO_E_CORRUPT, ctx->msg, ctx->cap,
                  "JPEG: more than %d progressive scans; real encoders write about ten, so the "
                  "file is corrupt or hostile", VGL_IO_JPEG_MAX_SCANS);
      longjmp(ctx->jump, 1);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Exif orientation

static uint32_t read_u16(const uint8_t *p, int little) {
  return little ? (uint32_t)p[0] | ((uint32_t)p[1] << 8) : ((uint32_t)p[0] << 8) | p[1];
}

static uint32_t read_u32(const uint8_t *p, int little) {
  return little ? read_u16(p, 1) | (read_u16(p + 2, 1) << 16)
                : (read_u16(p, 0) << 16) | read_u16(p + 2, 0);
}

// Parses the payload of an APP1 marker ("Exif\0\0" + TIFF) and returns the IFD0 Orientation
// (1...8), or 1 when it is absent or anything is out of bounds.
static int exif_orientation_from_app1(const uint8_t *p, size_t n) {
  if (n < 6 + 8 || memcmp(p, "Exif\0\0", 6) != 0) return 1;
  const uint8_t *tiff = p + 6;
  size_t size = n - 6;
  int little;
  if (tiff[0] == 'I' && tiff[1] == 'I') {
    little = 1;
  } else if (tiff[0] == 'M' && tiff[1] == 'M') {
    little = 0;
  } else {
    return 1;
  }
  if (read_u16(tiff + 2, little) != 42) return 1;
  uint32_t ifd = read_u32(tiff + 4, little);
  if (ifd > size || size - ifd < 2) return 1;
  uint32_t count = read_u16(tiff + ifd, little);
  if ((size - ifd - 2) / 12 < count) return 1;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *entry = tiff + ifd + 2 + 12 * i;
    if (read_u16(entry, little) != 0x0112) continue;
    uint32_t type = read_u16(entry + 2, little);
    uint32_t n_values = read_u32(entry + 4, little);
    if (type != 3 /* SHORT */ || n_values < 1) return 1;
    uint32_t value = read_u16(entry + 8, little);
    return value >= 1 && value <= 8 ? (int)value : 1;
  }
  return 1;
}

// Scans the markers before the first SOS for an Exif APP1 segment (no libjpeg involved, so
// the caller can ask for the orientation alone).
int vgl_io_jpeg_exif_orientation(const uint8_t *data, size_t len) {
  if (data == NULL || len < 4 || data[0] != 0xFF || data[1] != 0xD8) return 1;
  size_t pos = 2;
  while (pos + 4 <= len) {
    if (data[pos] != 0xFF) return 1;
    uint8_t marker = data[pos + 1];
    if (marker == 0xFF) {  // fill byte
      pos++;
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) return 1;  // EOI or SOS: no more metadata
    size_t seg = ((size_t)data[pos + 2] << 8) | data[pos + 3];
    if (seg < 2 || seg > len - pos - 2) return 1;
    if (marker == 0xE1) {
      int o = exif_orientation_from_app1(data + pos + 4, seg - 2);
      if (o != 1) return o;
    }
    pos += 2 + seg;
  }
  return 1;
}

// Returns a new buffer with `src` (w x h RGB) transformed by Exif orientation 2...8, and the
// new size in *ow x *oh. Orientation 5...8 swap the sides.
static uint8_t *apply_orientation(const uint8_t *src, uint32_t w, uint32_t h, int orientation,
                                  uint32_t *ow, uint32_t *oh) {
  int swap = orientation >= 5;
  uint32_t W = swap ? h : w, H = swap ? w : h;
  uint8_t *dst = malloc((size_t)W * H * 3);
  if (dst == NULL) return NULL;
  for (uint32_t y = 0; y < H; y++) {
    for (uint32_t x = 0; x < W; x++) {
      uint32_t sx, sy;
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;                 // mirror left-right
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;         // rotate 180
        case 4: sx = x; sy = h - 1 - y; break;                 // mirror top-bottom
        case 5: sx = y; sy = x; break;                         // transpose
        case 6: sx = y; sy = h - 1 - x; break;                 // rotate 90 clockwise
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;         // transverse
        case 8: sx = w - 1 - y; sy = x; break;                 // rotate 90 counter-clockwise
        default: sx = x; sy = y; break;
      }
      memcpy(dst + ((size_t)y * W + x) * 3, src + ((size_t)sy * w + sx) * 3, 3);
    }
  }
  *ow = W;
  *oh = H;
  return dst;
}

// ---------------------------------------------------------------------------------------------
// Decoder

// Pillow's MULDIV255: a * b / 255 rounded, in integers.
static inline uint8_t muldiv255(uint32_t a, uint32_t b) {
  uint32_t t = a * b + 128;
  return (uint8_t)(((t >> 8) + t) >> 8);
}

// Everything the decode allocates lives here (not in locals of the setjmp frame), so the
// longjmp path can free it.
typedef struct jpeg_job {
  struct jpeg_decompress_struct cinfo;
  jpeg_error_ctx err;
  struct jpeg_progress_mgr progress;
  int created;
  uint8_t *pixels;  // RGB result
  uint8_t *row;     // one decoded scanline in the output color space
} jpeg_job;

static vgl_io_status jpeg_run(jpeg_job *job, const uint8_t *data, size_t len, char *msg,
                              size_t cap) {
  struct jpeg_decompress_struct *cinfo = &job->cinfo;
  cinfo->err = jpeg_std_error(&job->err.pub);
  job->err.pub.error_exit = jpeg_error_longjmp;
  job->err.pub.emit_message = jpeg_emit_message;
  job->err.pub.output_message = jpeg_output_message;
  job->err.msg = msg;
  job->err.cap = cap;
  if (setjmp(job->err.jump)) {
    return VGL_IO_E_CORRUPT;  // message already written by jpeg_error_longjmp
  }
  jpeg_create_decompress(cinfo);
  job->created = 1;
  job->progress.progress_monitor = jpeg_limit_scans;
  cinfo->progress = &job->progress;
  jpeg_mem_src(cinfo, data, (unsigned long)len);
  jpeg_read_header(cinfo, TRUE);

  vgl_io_status st = vgl_io_check_dimensions(cinfo->image_width, cinfo->image_height, "JPEG",
                                             msg, cap);
  if (st != VGL_IO_OK) return st;

  int channels;
  switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
      cinfo->out_color_space = JCS_GRAYSCALE;
      channels = 1;
      break;
    case JCS_CMYK:
    case JCS_YCCK:  // libjpeg converts YCCK to CMYK
      cinfo->out_color_space = JCS_CMYK;
      channels = 4;
      break;
    case JCS_YCbCr:
    case JCS_RGB:
      cinfo->out_color_space = JCS_RGB;
      channels = 3;
      break;
    default:
      return vgl_io_fail(VGL_IO_E_UNSUPPORTED, msg, cap,
                         "JPEG: unsupported color space %d with %d components",
                         (int)cinfo->jpeg_color_space, cinfo->num_components);
  }
  // Pillow's defaults: accurate integer IDCT and fancy upsampling.
  cinfo->dct_method = JDCT_ISLOW;
  cinfo->do_fancy_upsampling = TRUE;

  jpeg_start_decompress(cinfo);
  uint32_t w = cinfo->output_width, h = cinfo->output_height;
  if ((int)cinfo->output_components != channels) {
    return vgl_io_fail(VGL_IO_E_UNSUPPORTED, msg, cap, "JPEG: unexpected %d output components",
                       cinfo->output_components);
  }
  job->pixels = malloc((size_t)w * h * 3);
  job->row = channels == 3 ? NULL : malloc((size_t)w * (size_t)channels);
  if (job->pixels == NULL || (channels != 3 && job->row == NULL)) {
    return vgl_io_fail(VGL_IO_E_NOMEM, msg, cap, "JPEG: out of memory for %ux%u pixels", w, h);
  }
  while (cinfo->output_scanline < h) {
    uint32_t y = cinfo->output_scanline;
    uint8_t *out = job->pixels + (size_t)y * w * 3;
    // RGB rows go straight into the result; other layouts through the row buffer.
    JSAMPROW rows[1] = {channels == 3 ? out : job->row};
    if (jpeg_read_scanlines(cinfo, rows, 1) != 1) {
      return vgl_io_fail(VGL_IO_E_CORRUPT, msg, cap, "JPEG: decoder stopped at row %u of %u", y,
                         h);
    }
    const uint8_t *in = job->row;
    switch (channels) {
      case 1:
        for (uint32_t x = 0; x < w; x++) out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = in[x];
        break;
      case 3:
        break;  // already in place
      default:
        // Pillow reads JPEG CMYK as Adobe-inverted ("CMYK;I"), then convert("RGB") computes
        // R = (255 - K) - (255 - K) * C / 255 on the uninverted values.
        for (uint32_t x = 0; x < w; x++) {
          uint32_t nk = in[4 * x + 3];  // 255 - K, as stored inverted
          for (uint32_t c = 0; c < 3; c++) {
            uint32_t ink = 255u - in[4 * x + c];
            out[3 * x + c] = (uint8_t)(nk - muldiv255(ink, nk));
          }
        }
        break;
    }
  }
  jpeg_finish_decompress(cinfo);
  return VGL_IO_OK;
}

vgl_io_status vgl_io_decode_jpeg(const uint8_t *data, size_t len, int apply_exif_orientation,
                                 vgl_io_image *image_out, char *msg, size_t msg_cap) {
  if (image_out == NULL || (data == NULL && len > 0)) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap, "vgl_io_decode_jpeg: NULL argument");
  }
  image_out->pixels = NULL;
  image_out->width = image_out->height = 0;
  if (len < 4 || data[0] != 0xFF || data[1] != 0xD8) {
    return vgl_io_fail(VGL_IO_E_UNSUPPORTED, msg, msg_cap, "not a JPEG (no SOI marker)");
  }
  jpeg_job *job = calloc(1, sizeof *job);
  if (job == NULL) return vgl_io_fail(VGL_IO_E_NOMEM, msg, msg_cap, "JPEG: out of memory");
  vgl_io_status st = jpeg_run(job, data, len, msg, msg_cap);
  uint32_t w = job->cinfo.output_width, h = job->cinfo.output_height;
  if (job->created) jpeg_destroy_decompress(&job->cinfo);
  free(job->row);
  uint8_t *pixels = job->pixels;
  free(job);
  if (st != VGL_IO_OK) {
    free(pixels);
    return st;
  }
  if (apply_exif_orientation) {
    int orientation = vgl_io_jpeg_exif_orientation(data, len);
    if (orientation != 1) {
      uint32_t ow, oh;
      uint8_t *turned = apply_orientation(pixels, w, h, orientation, &ow, &oh);
      free(pixels);
      if (turned == NULL) {
        return vgl_io_fail(VGL_IO_E_NOMEM, msg, msg_cap, "JPEG: out of memory rotating");
      }
      pixels = turned;
      w = ow;
      h = oh;
    }
  }
  image_out->pixels = pixels;
  image_out->width = w;
  image_out->height = h;
  return VGL_IO_OK;
}
