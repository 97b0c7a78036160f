#!/usr/bin/env bash
# Build the images and run the compose stack for real: a landlord posts a room with a photo and the
# worker's suggestions must come back.  Prints the images' sizes and the timings; removes the stack.
#
#   bash scripts/container_check.sh [--train]      (--train also builds the train target)
#
# Uses `docker compose` where Docker is installed; otherwise rootful podman through the kit in
# ../shared/containers (machines without Docker: run its setup.sh once, as root).  Not part of CI:
# it needs a container engine and several minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
TRAIN=0
[ "${1:-}" = "--train" ] && TRAIN=1
KIT=../shared/containers
export SECRET_KEY="${SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(40))')}"
export METRICS_TOKEN="${METRICS_TOKEN:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')}"
t0=$(date +%s)
say() { echo "[container_check $(date +%H:%M:%S)] $*"; }

if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  ENGINE=docker; URL=http://127.0.0.1:8000
  say "building with docker"
  docker compose build
  [ "$TRAIN" = 1 ] && docker build --target train -t phongtro-ai-train .
  say "starting the stack"
  docker compose up -d
  trap 'docker compose down -v >/dev/null 2>&1 || true' EXIT
  for _ in $(seq 1 180); do curl -fsS "$URL/ready" >/dev/null 2>&1 && break; sleep 2; done
  size() { docker image inspect --format '{{.Size}}' "$1" 2>/dev/null || echo 0; }
elif [ -x "$KIT/up.sh" ] && command -v podman >/dev/null 2>&1; then
  ENGINE=podman; URL=http://127.0.0.1:${KIT_WEB_PORT:-8311}
  say "building and starting with podman (the kit in $KIT)"
  "$KIT/up.sh" .
  set --                      # env.sh reads $1 as its state folder
  # shellcheck disable=SC1091
  source "$KIT/env.sh"
  trap '"$KIT/down.sh" . >/dev/null 2>&1 || true' EXIT
  if [ "$TRAIN" = 1 ]; then
    podman build --pull=never --network host -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
      --target train -t phongtro-ai-train . > /tmp/phongtro-train-build.log 2>&1
  fi
  size() { podman image inspect --format '{{.Size}}' "$1" 2>/dev/null || echo 0; }
else
  echo "container_check: neither docker compose nor podman with $KIT/up.sh here" >&2
  exit 2
fi
up=$(date +%s)
say "stack ready after $((up - t0)) s; posting a room"
python3 scripts/container_smoke.py "$URL" --timeout 300
mb() { python3 -c "print(round($1 / 1e6))"; }
echo "images ($ENGINE):"
echo "  serving phongtro-ai:        $(mb "$(size phongtro-ai)") MB"
[ "$TRAIN" = 1 ] && echo "  train   phongtro-ai-train:  $(mb "$(size phongtro-ai-train)") MB"
say "done in $(( $(date +%s) - t0 )) s (build and start $((up - t0)) s)"
