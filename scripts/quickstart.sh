#!/usr/bin/env bash
# The main job on a fresh machine: install, then build data → SFT → GRPO → evaluate the embedded tiny model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec codereasoner quickstart -o runs/quickstart "$@"
