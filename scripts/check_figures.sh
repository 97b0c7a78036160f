#!/usr/bin/env bash
# The shipped models' figures on the human-checked data (../shared/data, never in the repo), as
# quality bars: run by CI after the tests; each line is a command whose figures docs/model.md gives.
# Skipped where the data is not on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=../shared/data
if [ ! -f "$DATA/dev_gold.jsonl" ]; then
  echo "figures: $DATA/dev_gold.jsonl is not here; nothing to check"; exit 0
fi
PY=${PYTHON:-.venv/bin/python}
# The lexicon alone (measured 0.9577 / 0.9414) and the shipped model on texts (0.9583 / 0.9424).
$PY -m mlcore evaluate --data "$DATA/dev_gold.jsonl" --model lexicon --json --min-micro-f1 0.95 --min-macro-f1 0.93 >/dev/null
$PY -m mlcore evaluate --data "$DATA/dev_gold.jsonl" --model default --modality text --json --min-micro-f1 0.95 --min-macro-f1 0.93 >/dev/null
echo "figures: dev_gold bars hold (lexicon and the shipped model)"
