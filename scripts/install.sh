#!/usr/bin/env bash
# Install codereasoner with its training and test extras. torch goes first, pinned to the CPU build
# (2.13.0) that every machine has, so that no other dependency can pull a CUDA build onto a CPU box.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet "torch==2.13.0"
# The tested versions (scripts/constraints.txt); pyproject.toml itself declares ranges for GPU machines.
python -m pip install --quiet -c scripts/constraints.txt -e ".[train,dev,eval]"
