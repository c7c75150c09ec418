#!/usr/bin/env bash
# Run terraform against the local sandbox emulator (tflocal's provider override points it there):
#   ./tflocal.sh plan        ./tflocal.sh output -json        ./tflocal.sh state list
#   TARGET=ministack ./tflocal.sh plan
# It works in .sandbox/$TARGET/terraform (TARGET=localstack by default), a working copy of terraform/
# refreshed on every call, with the sandbox's own local state; `make up` (or `make demo`) starts the
# emulator and applies first.
set -euo pipefail
cd "$(dirname "$0")"

if [[ ! -x .venv/bin/python ]]; then
  echo "The virtualenv is missing: run \`make venv\` (or \`make demo\`) first." >&2
  exit 1
fi
exec .venv/bin/python -m harness.tflocal "$@"
