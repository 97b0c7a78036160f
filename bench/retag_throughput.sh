#!/usr/bin/env bash
# retag_all throughput with 1 and 2 Celery worker processes on PostgreSQL + Redis.
#   bash bench/retag_throughput.sh [ROOMS]        (default 300; needs ../shared/data/listings.jsonl)
# Creates and drops the database phongtro_retag, uses Redis db 13; each worker gets its share of
# the cores (OMP_NUM_THREADS = cores / workers); the suggestion cache is emptied before each run,
# as it would be for a new model version, and every room is tagged again (retag_all --all).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOMS="${1:-300}"
CORES="$(nproc)"
TMP="$(mktemp -d)"
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/phongtro_retag LOG_LEVEL=WARNING MEDIA_ROOT="$TMP/media"
psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS phongtro_retag" -c "CREATE DATABASE phongtro_retag" postgres
.venv/bin/python manage.py migrate -v0
.venv/bin/python manage.py load_tags > /dev/null
.venv/bin/python scripts/phongtro123_to_import.py ../shared/data/listings.jsonl --limit "$ROOMS" --out "$TMP/rows.jsonl"
.venv/bin/python manage.py import_listings "$TMP/rows.jsonl" --owner bench -v0 2>/dev/null || true
export CELERY_BROKER_URL=redis://127.0.0.1:6379/13 CELERY_TASK_DEFAULT_QUEUE=retagbench
for n in 1 2; do
  redis-cli -n 13 flushdb > /dev/null
  pids=()
  for i in $(seq 1 "$n"); do
    OMP_NUM_THREADS=$(( CORES / n > 0 ? CORES / n : 1 )) .venv/bin/celery -A config worker --pool solo -Q retagbench \
      -n "w$i@%h" --without-gossip --without-mingle -l WARNING > "$TMP/worker$i.log" 2>&1 &
    pids+=($!)
  done
  sleep 15   # the workers load and warm the model
  echo "== $n worker process(es), $(( CORES / n > 0 ? CORES / n : 1 )) thread(s) each"
  .venv/bin/python manage.py retag_all --all --chunk 10 2>/dev/null
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
done
psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS phongtro_retag" postgres
rm -rf "$TMP"
