#!/usr/bin/env bash
# Migrate, seed the demo and serve on 127.0.0.1:8000 (with a Celery worker when REDIS_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
"$BIN/python" manage.py migrate --noinput
"$BIN/python" manage.py seed_demo
if [ -n "${REDIS_URL:-}" ]; then
  "$BIN/celery" -A annotator worker --loglevel=info --concurrency=2 &
  worker=$!
  trap 'kill "$worker" 2>/dev/null || true' EXIT
fi
"$BIN/python" manage.py runserver 127.0.0.1:8000
