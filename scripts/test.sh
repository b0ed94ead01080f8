#!/usr/bin/env bash
# The test command (CI runs exactly this): install, then the default suite (slow and gpu tests deselected).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# torch gets one thread: the engine's worker processes share the same cores.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
python -m pytest -q "$@"
