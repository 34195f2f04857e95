// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#ifndef VIGIL_IO_H
#define VIGIL_IO_H
#include <stddef.h>
#include <stdint.h>
#endif
