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
//
// An inconsistent progression (a refinement scan that repeats or skips bits, the trick behind
// files that re-run hundreds of refinement scans) is an error too: libjpeg would decode on, and
// each repeated scan costs a pass over the whole coefficient buffer.
static void jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level < 0 && (cinfo->err->msg_code == JWRN_JPEG_EOF ||
                        cinfo->err->msg_code == JWRN_BOGUS_PROGRESSION)) {
    jpeg_error_longjmp(cinfo);
  }
  if (msg_level < 0) cinfo->err->num_warnings++;
}

// Silences libjpeg's stderr output (trace messages and warnings).
static void jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

// A progressive JPEG may declare any number of scans, each re-reading the coefficient blocks
// of its components: a small hostile file can keep the decoder busy for minutes. libjpeg-turbo
// 2.1 sets no limit, so this progress hook bounds the work: at most VGL_IO_JPEG_MAX_SCANS
// scans, and the blocks all scans cover together at most VGL_IO_JPEG_SCAN_WORK times the
// frame's blocks. libjpeg's own simple progression (jpeg_simple_progression: 10 scans in
// color, 6 in gray) covers 5 to 6 times the blocks (measured on 4:4:4, 4:2:0 and gray files
// and the progressive fixture); a baseline file covers them once.
#ifndef VGL_IO_JPEG_MAX_SCANS  // overridable only to measure real files against the bound
#define VGL_IO_JPEG_MAX_SCANS 256
#endif
#ifndef VGL_IO_JPEG_SCAN_WORK
#define VGL_IO_JPEG_SCAN_WORK 16
#endif

typedef struct jpeg_scan_budget {
  struct jpeg_progress_mgr pub;  // must be first: libjpeg hands us a pointer to it
  int last_scan;
  uint64_t frame_blocks;  // blocks of all components of the frame
  uint64_t scanned;       // blocks covered by the scans seen so far
} jpeg_scan_budget;

static void jpeg_limit_scans(j_common_ptr cinfo) {
  if (!cinfo->is_decompressor) return;
  j_decompress_ptr d = (j_decompress_ptr)cinfo;
  jpeg_scan_budget *budget = (jpeg_scan_budget *)cinfo->progress;
  jpeg_error_ctx *ctx = (jpeg_error_ctx *)cinfo->err;
  if (d->input_scan_number == budget->last_scan || d->comps_in_scan <= 0) return;
  budget->last_scan = d->input_scan_number;
  if (budget->frame_blocks == 0) {
    for (int c = 0; c < d->num_components; c++) {
      budget->frame_blocks += (uint64_t)d->comp_info[c].width_in_blocks *
                              (uint64_t)d->comp_info[c].height_in_blocks;
    }
  }
  for (int c = 0; c < d->comps_in_scan && c < MAX_COMPS_IN_SCAN; c++) {
    const jpeg_component_info *comp = d->cur_comp_info[c];
    budget->scanned += (uint64_t)comp->width_in_blocks * (uint64_t)comp->height_in_blocks;
  }
  if (d->input_scan_number > VGL_IO_JPEG_MAX_SCANS) {
    vgl_io_fail(VGL_IO_E_CORRUPT, ctx->msg, ctx->cap,
                "JPEG: more than %d scans; real encoders write about ten, so the file is "
                "corrupt or hostile", VGL_IO_JPEG_MAX_SCANS);
    longjmp(ctx->jump, 1);
  }
  if (budget->scanned > (uint64_t)VGL_IO_JPEG_SCAN_WORK * budget->frame_blocks) {
    vgl_io_fail(VGL_IO_E_CORRUPT, ctx->msg, ctx->cap,
                "JPEG: scan %d brings the blocks decoded to %llu, more than %d times the "
                "frame's %llu; real encoders stay below 10 times, so the file is corrupt or "
                "hostile", d->input_scan_number, (unsigned long long)budget->scanned,
                VGL_IO_JPEG_SCAN_WORK, (unsigned long long)budget->frame_blocks);
    longjmp(ctx->jump, 1);
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

// Exif orientation o (1...8) applied as the rows arrive: source pixel (sx, sy) of a w x h
// image lands at (x, y) of the oriented image, whose width is h for o >= 5 (sides swapped)
// and w otherwise. Writing each decoded row straight to its place needs no second image.
static void oriented_position(int o, uint32_t w, uint32_t h, uint32_t sx, uint32_t sy,
                              uint32_t *x, uint32_t *y) {
  switch (o) {
    case 2: *x = w - 1 - sx; *y = sy; break;           // mirror left-right
    case 3: *x = w - 1 - sx; *y = h - 1 - sy; break;   // rotate 180
    case 4: *x = sx; *y = h - 1 - sy; break;           // mirror top-bottom
    case 5: *x = sy; *y = sx; break;                   // transpose
    case 6: *x = h - 1 - sy; *y = sx; break;           // rotate 90 clockwise
    case 7: *x = h - 1 - sy; *y = w - 1 - sx; break;   // transverse
    case 8: *x = sy; *y = w - 1 - sx; break;           // rotate 90 counter-clockwise
    default: *x = sx; *y = sy; break;
  }
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
  jpeg_scan_budget progress;
  int created;
  uint8_t *row;  // one decoded scanline in the output color space, when it cannot go in place
  uint8_t *rgb;  // that scanline as RGB, when it must be scattered by the orientation
} jpeg_job;

static void row_to_rgb(const uint8_t *in, int channels, uint32_t w, uint8_t *out) {
  switch (channels) {
    case 1:
      for (uint32_t x = 0; x < w; x++) out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = in[x];
      break;
    case 3:
      if (out != in) memcpy(out, in, (size_t)w * 3);
      break;
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

static vgl_io_status jpeg_run(jpeg_job *job, const uint8_t *data, size_t len, int orientation,
                              vgl_io_target *target, char *msg, size_t cap) {
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
  job->progress.pub.progress_monitor = jpeg_limit_scans;
  job->progress.last_scan = 0;
  cinfo->progress = &job->progress.pub;
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

  // Without scaling, the output size is the header's (libjpeg's jdiv_round_up of the image
  // size by a scale of 1/1), so the target is known before any scan is decoded.
  const uint32_t w = cinfo->image_width, h = cinfo->image_height;
  const int swap = orientation >= 5;
  uint8_t *pixels = NULL;
  st = vgl_io_target_bind(target, swap ? h : w, swap ? w : h, "JPEG", &pixels, msg, cap);
  if (st != VGL_IO_OK || pixels == NULL) return st;  // failed, or header only

  jpeg_start_decompress(cinfo);
  if ((int)cinfo->output_components != channels || cinfo->output_width != w ||
      cinfo->output_height != h) {
    return vgl_io_fail(VGL_IO_E_UNSUPPORTED, msg, cap,
                       "JPEG: unexpected output of %d components, %ux%u", cinfo->output_components,
                       cinfo->output_width, cinfo->output_height);
  }
  // RGB rows without orientation are decoded in place; every other row goes through `row`
  // (and, when it is not RGB and must be scattered, through `rgb` as well).
  const int in_place = orientation == 1;
  const int need_row = channels != 3 || !in_place, need_rgb = channels != 3 && !in_place;
  if (need_row) job->row = malloc((size_t)w * (size_t)channels);
  if (need_rgb) job->rgb = malloc((size_t)w * 3);
  if ((need_row && job->row == NULL) || (need_rgb && job->rgb == NULL)) {
    return vgl_io_fail(VGL_IO_E_NOMEM, msg, cap, "JPEG: out of memory for a %u-pixel row", w);
  }
  const uint32_t out_w = swap ? h : w;
  while (cinfo->output_scanline < h) {
    uint32_t y = cinfo->output_scanline;
    uint8_t *direct = pixels + (size_t)y * w * 3;
    JSAMPROW rows[1] = {need_row ? job->row : direct};
    if (jpeg_read_scanlines(cinfo, rows, 1) != 1) {
      return vgl_io_fail(VGL_IO_E_CORRUPT, msg, cap, "JPEG: decoder stopped at row %u of %u", y,
                         h);
    }
    if (in_place) {
      row_to_rgb(need_row ? job->row : direct, channels, w, direct);
      continue;
    }
    const uint8_t *rgb = job->row;
    if (channels != 3) {
      row_to_rgb(job->row, channels, w, job->rgb);
      rgb = job->rgb;
    }
    for (uint32_t x = 0; x < w; x++) {
      uint32_t ox, oy;
      oriented_position(orientation, w, h, x, y, &ox, &oy);
      memcpy(pixels + ((size_t)oy * out_w + ox) * 3, rgb + (size_t)x * 3, 3);
    }
  }
  jpeg_finish_decompress(cinfo);
  return VGL_IO_OK;
}

vgl_io_status vgl_io_jpeg_decode(const uint8_t *data, size_t len, int apply_exif_orientation,
                                 vgl_io_target *target, char *msg, size_t cap) {
  if (len < 4 || data[0] != 0xFF || data[1] != 0xD8) {
    return vgl_io_fail(VGL_IO_E_UNSUPPORTED, msg, cap, "not a JPEG (no SOI marker)");
  }
  const int orientation = apply_exif_orientation ? vgl_io_jpeg_exif_orientation(data, len) : 1;
  jpeg_job *job = calloc(1, sizeof *job);
  if (job == NULL) return vgl_io_fail(VGL_IO_E_NOMEM, msg, cap, "JPEG: out of memory");
  vgl_io_status st = jpeg_run(job, data, len, orientation, target, msg, cap);
  if (job->created) jpeg_destroy_decompress(&job->cinfo);
  free(job->row);
  free(job->rgb);
  free(job);
  if (st != VGL_IO_OK) {
    free(target->allocated);
    target->allocated = NULL;
  }
  return st;
}

vgl_io_status vgl_io_decode_jpeg(const uint8_t *data, size_t len, int apply_exif_orientation,
                                 vgl_io_image *image_out, char *msg, size_t msg_cap) {
  if (image_out == NULL || (data == NULL && len > 0)) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap, "vgl_io_decode_jpeg: NULL argument");
  }
  image_out->pixels = NULL;
  image_out->width = image_out->height = 0;
  vgl_io_target target = {0};
  vgl_io_status st = vgl_io_jpeg_decode(data, len, apply_exif_orientation, &target, msg, msg_cap);
  if (st != VGL_IO_OK) return st;
  image_out->pixels = target.allocated;
  image_out->width = target.width;
  image_out->height = target.height;
  return VGL_IO_OK;
}
