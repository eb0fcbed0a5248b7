#!/usr/bin/env bash
# Creates .venv (if missing) and installs minegraph into it; with --test also the test tools and the
# system packages the end-to-end tests use (Debian's Chromium, when apt-get is available and we are root).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if [[ "${1:-}" == "--test" ]]; then
  .venv/bin/python -m pip install --quiet -e '.[test]'
  if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; browser tests will fail" >&2
  fi
  # Virtuoso for the store contract tests (tests/test_store_contract.py starts and stops it itself).
  if ! command -v virtuoso-t >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      virtuoso-opensource-7-bin >/dev/null) \
      || echo "warning: could not install Virtuoso; its store contract tests will be skipped" >&2
  fi
else
  .venv/bin/python -m pip install --quiet -e .
fi
