// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The POSIX half of the loader: reads a .vigil file into one page-aligned private buffer (an
// anonymous mapping) owned by the model, hands it to vgl_model_open, and frees it in vgl_model_close. Kept apart from
// model-open.c so that a build without a file system (a const array linked into firmware)
// only drops this file.
//
// Why a copy and not a mapping: a mapping shares the file's pages, so a file truncated in
// place under a running model (`cp new.vigil live.vigil` truncates first) raises SIGBUS on the
// next weight read, and a same-size overwrite would swap unvalidated weights under a
// validated plan. Reading the file once makes the validated bytes the only bytes ever used:
// whatever happens to the file afterwards cannot reach the model. The weights are still used
// in place, from this buffer (no repacking). The cost is one read of the file at open (the
// CRC-32C pass reads every byte anyway) and the file's size in private memory instead of
// shared page cache; docs/model-format.md ("Replacing a model") has the figures. Models are
// replaced by rename, which leaves a running model's file untouched.
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE  // MAP_ANONYMOUS (not in POSIX 2008; glibc and musl have it)

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model-internal.h"
#include "runtime-internal.h"

vgl_status vgl_model_open_file(const char *path, vgl_model **model_out, char *message,
                               size_t message_capacity) {
  if (message != NULL && message_capacity != 0) message[0] = '\0';
  if (path == NULL || model_out == NULL) {
    return vgl_fail(VGL_E_INVALID_ARGUMENT, message, message_capacity, "%s is NULL",
                    path == NULL ? "path" : "model_out");
  }
  *model_out = NULL;
  int fd;
  do {
    // O_NONBLOCK: a FIFO given as a model is refused below instead of blocking the open.
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    return vgl_fail(VGL_E_IO, message, message_capacity, "cannot open '%s': %s", path,
                    strerror(errno));
  }
  struct stat info;
  if (fstat(fd, &info) != 0) {
    const int error = errno;
    close(fd);
    return vgl_fail(VGL_E_IO, message, message_capacity, "cannot stat '%s': %s", path,
                    strerror(error));
  }
  if (!S_ISREG(info.st_mode)) {
    close(fd);
    return vgl_fail(VGL_E_IO, message, message_capacity, "'%s' is not a regular file", path);
  }
  if (info.st_size <= 0) {
    close(fd);
    return vgl_fail(VGL_E_TRUNCATED, message, message_capacity,
                    "'%s' is empty; a .vigil file has at least a 64-byte header", path);
  }
  if ((uint64_t)info.st_size > SIZE_MAX) {
    close(fd);
    return vgl_fail(VGL_E_IO, message, message_capacity,
                    "'%s' has %" PRIu64 " bytes, more than this platform can map", path,
                    (uint64_t)info.st_size);
  }
  const size_t size = (size_t)info.st_size;
  // An anonymous private mapping: page-aligned, returned to the system at close (a heap
  // block of this size would leave the allocator's high-water mark behind on every reload).
  void *buffer = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buffer == MAP_FAILED) {
    const int error = errno;
    close(fd);
    return vgl_fail(VGL_E_OUT_OF_MEMORY, message, message_capacity,
                    "cannot allocate %zu bytes for '%s': %s", size, path, strerror(error));
  }
  size_t done = 0;
  while (done < size) {
    const ssize_t got = read(fd, (uint8_t *)buffer + done, size - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      const int error = got < 0 ? errno : 0;
      close(fd);
      munmap(buffer, size);
      if (got < 0) {
        return vgl_fail(VGL_E_IO, message, message_capacity, "cannot read '%s': %s", path,
                        strerror(error));
      }
      return vgl_fail(VGL_E_IO, message, message_capacity,
                      "'%s' shrank from %zu to %zu bytes while it was read: replace model "
                      "files by rename, never in place", path, size, done);
    }
    done += (size_t)got;
  }
  close(fd);
  // Read-only from here on: the validated bytes cannot be written by anyone in the process.
  (void)mprotect(buffer, size, PROT_READ);
  vgl_model *model = NULL;
  const vgl_status status = vgl_model_open(buffer, size, &model, message, message_capacity);
  if (status != VGL_OK) {
    munmap(buffer, size);
    return status;
  }
  model->mapping = buffer;
  model->mapping_bytes = size;
  *model_out = model;
  return VGL_OK;
}

void vgl_model_close(vgl_model *model) {
  if (model == NULL) return;
  if (model->mapping != NULL) munmap(model->mapping, model->mapping_bytes);
  free(model);
}
