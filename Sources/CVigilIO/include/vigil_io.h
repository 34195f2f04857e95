// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// CVigilIO: small C shims that let the Embedded-compatible Swift core read files and decode
// images (JPEG through libjpeg, PNG through libpng, binary PPM/PGM by hand). Every function
// returns a status, writes a NUL-terminated human-readable message into `msg` on failure, and
// frees everything it allocated on every failure path. Buffers handed to the caller are freed
// with vgl_io_free.
#ifndef VIGIL_IO_H
#define VIGIL_IO_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Largest accepted image side, checked before any pixel buffer is allocated.
#define VGL_IO_MAX_SIDE 16384u
/// Largest accepted pixel count (64 Mpixels), checked before any pixel buffer is allocated.
#define VGL_IO_MAX_PIXELS (64u * 1024u * 1024u)

typedef enum vgl_io_status {
  VGL_IO_OK = 0,
  /// The file could not be opened (errno text in the message).
  VGL_IO_E_OPEN = 1,
  /// Reading or writing failed part way (errno text in the message).
  VGL_IO_E_IO = 2,
  /// The file is larger than the caller's cap.
  VGL_IO_E_TOO_BIG = 3,
  /// malloc failed.
  VGL_IO_E_NOMEM = 4,
  /// The data is not in the format the decoder handles (or a variant it does not support).
  VGL_IO_E_UNSUPPORTED = 5,
  /// The data is malformed: bad header, truncated, corrupt entropy-coded data.
  VGL_IO_E_CORRUPT = 6,
  /// The declared dimensions are above VGL_IO_MAX_SIDE / VGL_IO_MAX_PIXELS (zero dimensions
  /// are a malformed header: VGL_IO_E_CORRUPT).
  VGL_IO_E_DIMENSIONS = 7,
  /// A NULL pointer or zero capacity was passed.
  VGL_IO_E_ARGUMENT = 8,
} vgl_io_status;

/// The image formats the decoders read, told apart by their leading bytes.
typedef enum vgl_io_format {
  VGL_IO_FORMAT_UNKNOWN = 0,
  VGL_IO_FORMAT_JPEG = 1,  ///< FF D8 FF
  VGL_IO_FORMAT_PNG = 2,   ///< 89 50 4E 47 0D 0A 1A 0A
  VGL_IO_FORMAT_PNM = 3,   ///< P6 (PPM) or P5 (PGM)
} vgl_io_format;

/// A decoded image: RGB8 interleaved, rows top to bottom, no padding
/// (width * height * 3 bytes). Free `pixels` with vgl_io_free.
typedef struct vgl_io_image {
  uint8_t *pixels;
  uint32_t width;
  uint32_t height;
} vgl_io_image;

/// A fixed English name for a status ("VGL_IO_E_CORRUPT: malformed data"), never NULL.
/// Exists so logs can name a status without the message buffer.
const char *vgl_io_status_string(vgl_io_status status);

/// Frees a buffer returned by this library (NULL is fine).
/// Exists so Swift never has to know which allocator the shims used.
void vgl_io_free(void *ptr);

/// Reads a whole file into a new buffer `*buf_out` of `*len_out` bytes (an empty file gives a
/// valid buffer and `*len_out == 0`). Fails with VGL_IO_E_TOO_BIG, without reading everything, when the
/// file holds more than `max_bytes`.
/// Exists because the Embedded core has no Foundation and stdio's FILE is awkward from Swift.
vgl_io_status vgl_io_read_file(const char *path, size_t max_bytes, uint8_t **buf_out,
                               size_t *len_out, char *msg, size_t msg_cap);

/// As vgl_io_read_file, but gzip data is decompressed (any other file is read as it is);
/// `max_bytes` caps the decompressed size. Exists because Swift has no zlib binding on Linux.
vgl_io_status vgl_io_read_file_gunzip(const char *path, size_t max_bytes, uint8_t **buf_out,
                                      size_t *len_out, char *msg, size_t msg_cap);

/// Most dimensions an IDX header may declare.
#define VGL_IO_IDX_MAX_DIMS 8

/// Reads an IDX file (gzip-compressed or not) and returns its header and data. The header's
/// sizes fix the length: their product (checked, 64-bit) times the element size must fit
/// `max_bytes` with the header (VGL_IO_E_TOO_BIG before anything is allocated or inflated),
/// the data must hold exactly that many bytes (VGL_IO_E_CORRUPT for fewer or more), and
/// decompression stops one byte past the declared size: a small gzip bomb whose header
/// declares 10 images inflates 10 images' worth, not the bomb.
/// Exists because the gzip layer alone cannot know where an IDX file should end.
vgl_io_status vgl_io_read_idx(const char *path, size_t max_bytes, uint8_t **buf_out,
                              size_t *len_out, char *msg, size_t msg_cap);

/// CRC-32 (IEEE 802.3, reflected: the checksum zip entries carry) of `len` bytes, by zlib's
/// crc32. Exists because Swift has no zlib binding on Linux (the zip reader checks entries).
uint32_t vgl_io_crc32(const uint8_t *data, size_t len);

/// Writes `len` bytes to `path` (created or truncated).
/// Exists for the same reason as vgl_io_read_file (used by the .npy writer).
vgl_io_status vgl_io_write_file(const char *path, const uint8_t *data, size_t len, char *msg,
                                size_t msg_cap);

/// Decodes a JPEG held in memory to RGB8. Grayscale is replicated; CMYK and YCCK are
/// converted the way Pillow's convert("RGB") does (Adobe-inverted CMYK assumed). With
/// `apply_exif_orientation` nonzero, an APP1 Exif IFD0 Orientation tag (0x0112) is applied.
/// Exists because libjpeg reports errors through a callback that by default calls exit():
/// this shim installs an error manager that longjmps back and returns libjpeg's message.
vgl_io_status vgl_io_decode_jpeg(const uint8_t *data, size_t len, int apply_exif_orientation,
                                 vgl_io_image *image_out, char *msg, size_t msg_cap);

/// Reads only the Exif orientation (1...8) of a JPEG in memory; 1 when absent or invalid.
/// Exists so tests and callers can report what vgl_io_decode_jpeg would apply.
int vgl_io_jpeg_exif_orientation(const uint8_t *data, size_t len);

/// Decodes a PNG held in memory to RGB8 like Pillow's convert("RGB"): the palette is
/// expanded, gray is replicated, 16-bit samples keep their high byte, and alpha (or tRNS) is
/// dropped without compositing.
/// Exists because libpng reports errors by longjmp, which Swift cannot catch.
vgl_io_status vgl_io_decode_png(const uint8_t *data, size_t len, vgl_io_image *out, char *msg,
                                size_t msg_cap);

/// The format of an image in memory, from its leading bytes (VGL_IO_FORMAT_UNKNOWN if none).
vgl_io_format vgl_io_detect_format(const uint8_t *data, size_t len);

/// Reads only the header of a JPEG, PNG or PPM/PGM in memory and stores the size that
/// vgl_io_decode_into will produce (after the Exif orientation when `apply_exif_orientation`
/// is nonzero), checked against VGL_IO_MAX_SIDE and VGL_IO_MAX_PIXELS. Allocates nothing that
/// grows with the image. Exists so the caller can allocate the one pixel buffer itself
/// (Swift: an Array's own storage) and have the decoder write into it: no second copy.
vgl_io_status vgl_io_image_size(const uint8_t *data, size_t len, int apply_exif_orientation,
                                uint32_t *width_out, uint32_t *height_out, char *msg,
                                size_t msg_cap);

/// Decodes a JPEG, PNG or PPM/PGM in memory into the caller's `pixels`, which must hold
/// exactly width * height * 3 bytes as vgl_io_image_size reported (VGL_IO_E_ARGUMENT
/// otherwise). Same conversions as the format's vgl_io_decode_* function. Besides that buffer
/// the decoders allocate at most a few rows (JPEG: plus libjpeg's coefficient buffer for
/// progressive files, 2 bytes per sample; docs/limits.md).
vgl_io_status vgl_io_decode_into(const uint8_t *data, size_t len, int apply_exif_orientation,
                                 uint8_t *pixels, size_t pixels_bytes, char *msg,
                                 size_t msg_cap);

/// Decodes binary PPM (P6) or PGM (P5) held in memory to RGB8. Samples are clamped to maxval;
/// a maxval other than 255 (up to 65535, 16-bit big-endian samples above 255) is rescaled to
/// 0...255 with round-half-even, as Pillow's PPM decoder does.
/// Exists because the header needs careful validation and there is no system library for it.
vgl_io_status vgl_io_decode_pnm(const uint8_t *data, size_t len, vgl_io_image *out, char *msg,
                                size_t msg_cap);

/// Encodes RGB8 pixels (`width * height * 3` bytes, rows top to bottom) as a baseline JPEG
/// (4:2:0, `quality` 1...100) into the caller's buffer `out` of `cap` bytes; `*len_out` is the
/// encoded size. Fails with VGL_IO_E_TOO_BIG when the JPEG does not fit `cap` (nothing is
/// allocated for the output), VGL_IO_E_DIMENSIONS for sides of 0 or above VGL_IO_MAX_SIDE.
/// Exists because libjpeg's default error handler calls exit(): this shim longjmps back, like
/// the decoder (used by the daemon's /snapshot.jpg).
vgl_io_status vgl_io_encode_jpeg(const uint8_t *rgb, uint32_t width, uint32_t height,
                                 int quality, uint8_t *out, size_t cap, size_t *len_out,
                                 char *msg, size_t msg_cap);

/// Encodes 8-bit gray (`channels` 1) or RGB (`channels` 3) pixels, `width * height * channels`
/// bytes with rows top to bottom, as a PNG into the caller's buffer `out` of `cap` bytes;
/// `*len_out` is the encoded size. Fails with VGL_IO_E_TOO_BIG when the PNG does not fit `cap`
/// (the message gives the size needed), VGL_IO_E_DIMENSIONS for sides of 0 or above
/// VGL_IO_MAX_SIDE, VGL_IO_E_ARGUMENT for another channel count.
/// Exists because libpng reports errors by longjmp, which Swift cannot catch (used by the
/// thumbnails of `vigil eval --html`).
vgl_io_status vgl_io_encode_png(const uint8_t *pixels, uint32_t width, uint32_t height,
                                uint32_t channels, uint8_t *out, size_t cap, size_t *len_out,
                                char *msg, size_t msg_cap);

#ifdef __cplusplus
}
#endif
#endif
