// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Presses the vivid driver's "Disconnect" button control on a device node: vivid then behaves
// as an unplugged USB camera (its nodes are unregistered; open descriptors fail with ENODEV).
// Used by Tools/vivid-test.sh inside the VM, where no v4l2-ctl is available; built static.
//
//   vivid-disconnect /dev/video0
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: vivid-disconnect /dev/videoN\n");
    return 2;
  }
  int fd = open(argv[1], O_RDWR);
  if (fd < 0) {
    perror(argv[1]);
    return 1;
  }
  struct v4l2_queryctrl query;
  memset(&query, 0, sizeof query);
  query.id = V4L2_CTRL_FLAG_NEXT_CTRL;
  while (ioctl(fd, VIDIOC_QUERYCTRL, &query) == 0) {
    if (strcmp((const char *)query.name, "Disconnect") == 0) {
      struct v4l2_control control = {.id = query.id, .value = 1};
      if (ioctl(fd, VIDIOC_S_CTRL, &control) != 0) {
        perror("VIDIOC_S_CTRL Disconnect");
        return 1;
      }
      close(fd);
      return 0;
    }
    query.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
  }
  fprintf(stderr, "%s: no \"Disconnect\" control (not a vivid device?)\n", argv[1]);
  return 1;
}
