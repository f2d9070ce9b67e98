#!/usr/bin/env bash
# Production-like serving on one host: every process of the Procfile, supervised together (gunicorn
# for HTTP, daphne for /ws/, a Celery worker per queue of tutor/queues.py, the beat). Runs the release
# steps first (scripts/release.sh) unless SERVE_RELEASE=0; SERVE_BEAT=0 leaves the beat out (several
# hosts: one beat per site). Any process that exits stops the others; Ctrl-C or SIGTERM stops all.
# Configuration is environment only (docs/serving.md, .env.example).
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?set DATABASE_URL=postgres://USER@HOST:5432/DB}"
: "${REDIS_URL:?set REDIS_URL=redis://HOST:6379/0}"
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-tutor.settings.production}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export GUNICORN_BIND=${HTTP_BIND:-127.0.0.1:8000}
# The processes' metrics, summed at /metrics (tutor/ops/metrics.py); emptied at each start.
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-var/metrics}
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

if [ "${SERVE_RELEASE:-1}" != 0 ]; then
    scripts/release.sh
fi

pids=()
stop() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

started=()
while IFS= read -r line; do
    name=${line%%:*} command=${line#*: }
    case "$name" in ''|'#'*|release) continue ;; esac
    if [ "$name" = beat ] && [ "${SERVE_BEAT:-1}" = 0 ]; then continue; fi
    bash -c "exec $command" &
    pids+=($!)
    started+=("$name")
done < Procfile
echo "serving: ${started[*]} (HTTP on $GUNICORN_BIND, /ws/ on ${WS_HOST:-127.0.0.1}:${WS_PORT:-8001})" >&2
wait -n "${pids[@]}"
