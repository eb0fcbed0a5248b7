#!/usr/bin/env bash
# Installs minegraph into .venv, builds the graph from data/ and serves it (http://127.0.0.1:8080/).
# Extra arguments go to `minegraph serve` (see `minegraph serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
.venv/bin/minegraph build
exec .venv/bin/minegraph serve "$@"
