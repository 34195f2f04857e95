// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
