#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Headless Chromium loads the daemon's live page; screenshot and DOM checked
# (Tools/browser-check.py). Needs a built vigil (`swift build`; or VIGIL=path) and Debian's
# chromium (Tools/setup.sh). Output in .build-browser/ (page.png, dom.html).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v chromium >/dev/null || { echo "browser-check: chromium is not installed (run Tools/setup.sh)" >&2; exit 1; }
exec python3 "$root/Tools/browser-check.py" "$@"
