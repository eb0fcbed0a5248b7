#!/usr/bin/env bash
# Creates .venv (if missing) and installs minegraph into it; with --test also the test tools and the
# system packages the end-to-end tests use (Debian's Chromium, Virtuoso and nginx, when apt-get is available and
# we are root).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if [[ "${1:-}" == "--test" ]]; then
  .venv/bin/python -m pip install --quiet -e '.[test]'
  if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; the browser tests will be skipped (failed under MINEGRAPH_REQUIRE_CHROMIUM=1, as in CI)" >&2
  fi
  # Virtuoso for the store contract tests (tests/test_store_contract.py starts and stops it itself).
  if ! command -v virtuoso-t >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      virtuoso-opensource-7-bin >/dev/null) \
      || echo "warning: could not install Virtuoso; its store contract tests will be skipped (failed under MINEGRAPH_REQUIRE_VIRTUOSO=1, as in CI)" >&2
  fi
  # nginx for the document cache end-to-end test (tests/test_nginx_e2e.py starts and stops it itself, on
  # loopback ports; Debian puts it in /usr/sbin).
  if ! command -v nginx >/dev/null 2>&1 && [[ ! -x /usr/sbin/nginx ]] && command -v apt-get >/dev/null 2>&1 \
      && [[ $(id -u) == 0 ]]; then
    (apt-get update -qq && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      nginx-light >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends nginx >/dev/null; }) \
      || echo "warning: could not install nginx; its end-to-end test will be skipped (failed under MINEGRAPH_REQUIRE_NGINX=1, as in CI)" >&2
  fi
else
  .venv/bin/python -m pip install --quiet -e .
fi
