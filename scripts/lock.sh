#!/usr/bin/env bash
# Remake requirements.lock: resolve pyproject.toml (with the dev and native extras) afresh in a
# throwaway venv and record every installed version.
set -euo pipefail
cd "$(dirname "$0")/.."
python="$(command -v python3.11 || command -v python3)"
venv="$(mktemp -d)"
trap 'rm -rf "$venv"' EXIT
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet -e ".[dev,native]"
{
  head -3 requirements.lock
  "$venv/bin/pip" freeze --exclude-editable
} > requirements.lock.new
mv requirements.lock.new requirements.lock
echo "requirements.lock: $(grep -vc '^#' requirements.lock) packages"
