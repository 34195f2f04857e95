// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The POSIX half of the loader: a read-only private mmap of a .vigil file (page-aligned, so
// 64-byte aligned), handed to vgl_model_open, and released by vgl_model_close. Kept apart from
// model-open.c so that a build without mmap (a const array linked into firmware) only drops
// this file.
#define _POSIX_C_SOURCE 200809L

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
    fd = open(path, O_RDONLY | O_CLOEXEC);
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
  void *mapping = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_error = errno;
  close(fd);  // the mapping keeps the file
  if (mapping == MAP_FAILED) {
    return vgl_fail(VGL_E_IO, message, message_capacity, "cannot map '%s' (%zu bytes): %s", path,
                    size, strerror(map_error));
  }
  vgl_model *model = NULL;
  const vgl_status status = vgl_model_open(mapping, size, &model, message, message_capacity);
  if (status != VGL_OK) {
    munmap(mapping, size);
    return status;
  }
  model->mapping = mapping;
  model->mapping_bytes = size;
  *model_out = model;
  return VGL_OK;
}

void vgl_model_close(vgl_model *model) {
  if (model == NULL) return;
  if (model->mapping != NULL) munmap(model->mapping, model->mapping_bytes);
  free(model);
}
