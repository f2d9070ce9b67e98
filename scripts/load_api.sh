#!/usr/bin/env bash
# REST API load measurement (docs/benchmarks.md, "REST API load (tutor.simclient)"): a scratch
# PostgreSQL database, the production-like stack of scripts/serve.sh (gunicorn + daphne + Celery
# worker, Redis), a benchmark course, a token, then `python -m tutor.simclient load` with 32
# concurrent workers. Everything it starts is stopped and the scratch database dropped at the end,
# also on failure or Ctrl-C. Re-runnable; any simclient option can be appended:
#   scripts/load_api.sh [--duration 60 --learners 64 --concurrency 32 --planner adaptive ...]
# `scripts/load_api.sh compare [--learners 12 --steps 150 ...]` runs the benchmark's planners through
# the same stack instead.
# `scripts/load_api.sh bench` is issue 19's run, all on the same stack one after the other: the direct
# in-process rate of the same planner and students (simclient direct), the cohort step endpoint
# (64 learners, 4 workers of 16), the single step closed loop (attempts/ with "next": true, 32
# workers) and open loop at $RATE steps/s offered; each with the load average before and after and
# the CPU per attempt by process (scripts/load_cpu.py). Reports in ${OUT%.json}_<phase>.json.
set -euo pipefail
MODE=load
if [ "${1:-}" = compare ] || [ "${1:-}" = bench ]; then MODE=$1; shift; fi
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
DB=tutor_load_$$
PORT=${PORT:-8123}
export DATABASE_URL=$PG/$DB
# A Redis database of its own, so the queue and throttle counters touch nobody else's keys.
export REDIS_URL=${LOAD_REDIS_URL:-redis://127.0.0.1:6379/9}
export DJANGO_SETTINGS_MODULE=tutor.settings.production
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(64))')}
export DJANGO_SECURE_SSL_REDIRECT=false   # plain HTTP on 127.0.0.1, no TLS proxy in front
# One program drives every learner with one token: the per-client rate limit (default 6000/min)
# would cap the run, so it is raised here; the throttle check itself still runs on every request.
export API_THROTTLE_RATE=${API_THROTTLE_RATE:-10000000/min}
export OMP_NUM_THREADS=1
export HTTP_BIND=127.0.0.1:$PORT WS_PORT=$((PORT + 1))
OUT=${OUT:-var/load_api.json}

"$BIN/python" scripts/services_available.py "$PG/postgres" "$REDIS_URL"
serve_pid=
cleanup() {
    trap - EXIT INT TERM
    if [ -n "$serve_pid" ]; then kill -TERM "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
    "$BIN/celery" -A tutor purge -f >/dev/null 2>&1 || true
    dropdb --if-exists --force -h 127.0.0.1 -U postgres "$DB" || true
}
trap cleanup EXIT INT TERM
createdb -h 127.0.0.1 -U postgres "$DB"

"$BIN/python" manage.py migrate --noinput -v0
PLANNER_SEED=$("$BIN/python" manage.py load_sim_course --family F1 --scenario S1 --seed 0 --pilot 20 |
               sed -n 's/.*planner_seed=\([0-9]*\).*/\1/p')
TUTOR_API_TOKEN=$("$BIN/python" manage.py create_api_client "load-$$")
export TUTOR_API_TOKEN

scripts/serve.sh > var/load_api_server.log 2>&1 &
serve_pid=$!
for _ in $(seq 120); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/v1/courses/" 2>/dev/null && break
    kill -0 "$serve_pid" 2>/dev/null || { echo "server failed to start: see var/load_api_server.log" >&2; exit 1; }
    sleep 1
done
measure() {  # measure NAME SIMCLIENT-LOAD-OPTIONS...: one measured load phase with its CPU by process
    local name=$1 out="${OUT%.json}_$1.json"
    shift
    echo "== $name: load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    "$BIN/python" scripts/load_cpu.py snapshot "$serve_pid" "$DATABASE_URL" > "$out.cpu"
    "$BIN/python" -m tutor.simclient load --url "http://127.0.0.1:$PORT" --family F1 --scenario S1 --seed 0 \
        --learners 64 --steps 1000 --duration "${DURATION:-40}" --warmup 5 --json "$out" "$@"
    echo "== $name: load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    "$BIN/python" scripts/load_cpu.py report "$serve_pid" "$DATABASE_URL" "$out.cpu" "$out"
    rm -f "$out.cpu"
}
if [ "$MODE" = bench ]; then
    "$BIN/python" -m tutor.simclient load --url "http://127.0.0.1:$PORT" --family F1 --scenario S1 --seed 0 \
        --via single --learners 32 --concurrency 32 --steps 3 --duration 60 --warmup 0 > /dev/null 2>&1
    echo "== direct: load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    "$BIN/python" -m tutor.simclient direct --planner-seed "$PLANNER_SEED" --pilot 20 --learners 64 \
        --steps "${DIRECT_STEPS:-40}" --json "${OUT%.json}_direct.json"
    measure step --via step --concurrency 4 "$@"
    measure single --via single --concurrency 32 "$@"
    measure open --via single --concurrency 32 --rate "${RATE:-50}" "$@"
    exit
fi
if [ "$MODE" = compare ]; then
    "$BIN/python" -m tutor.simclient compare --url "http://127.0.0.1:$PORT" --family F1 --scenario S1 --seed 0 \
        --planner-seed "$PLANNER_SEED" --pilot 20 --json "${OUT%.json}_compare.json" "$@"
    exit
fi
# Warm-up run, not measured: every gunicorn worker builds its course engine (tracer, planners) on
# its first request for the course, once per process.
"$BIN/python" -m tutor.simclient load --url "http://127.0.0.1:$PORT" --family F1 --scenario S1 --seed 0 \
    --learners 32 --concurrency 32 --steps 3 --duration 60 --warmup 0 > /dev/null 2>&1
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$BIN/python" scripts/load_cpu.py snapshot "$serve_pid" "$DATABASE_URL" > "$OUT.cpu"
"$BIN/python" -m tutor.simclient load --url "http://127.0.0.1:$PORT" --family F1 --scenario S1 --seed 0 \
    --learners 64 --concurrency 32 --steps 1000 --duration 60 --warmup 5 --json "$OUT" "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$BIN/python" scripts/load_cpu.py report "$serve_pid" "$DATABASE_URL" "$OUT.cpu" "$OUT"
rm -f "$OUT.cpu"
echo "report in $OUT" >&2
