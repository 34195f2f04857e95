#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Parses a live /metrics with prometheus_client's text parser (Tools/metrics-check.py), in its
# own virtual environment .build-metrics/venv (created and filled only when the import fails;
# a second run installs nothing). Needs a built vigil (`swift build`; or VIGIL=path).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.build-metrics/venv"
if ! "$venv/bin/python" -c 'import prometheus_client' 2>/dev/null; then
  python3 -m venv "$venv" || {
    echo "metrics-check: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'prometheus_client==0.26.0'
fi
exec "$venv/bin/python" "$root/Tools/metrics-check.py" "$@"
