#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Headless Chromium opens the HTML reports of `vigil eval --html` and `vigil quantize
# --report-html`: screenshots at desktop and phone width, DOM checked (Tools/report-check.py).
# Needs a built vigil (`swift build`; or VIGIL=path), Debian's chromium and
# dataset-fashion-mnist (Tools/setup.sh). Output in .build-browser/ (report-*.png, report-*-dom.html).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v chromium >/dev/null || { echo "report-check: chromium is not installed (run Tools/setup.sh)" >&2; exit 1; }
exec python3 "$root/Tools/report-check.py" "$@"
