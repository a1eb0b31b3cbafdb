#!/usr/bin/env bash
# The hardening issue's flood at the trace limit: 6 runs of 64 layers of width 1, 200 histogram
# bins, 3,000 epochs traced every 11th (3.76 million numbers a run, just under the limit), through
# a real recorder and a 2-thread worker on the local Redis and Postgres. Prints the wall time, the
# recorder's peak RSS and Redis's peak used_memory (sampled every 0.5 s) and the TraceEpoch size.
# Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and Redis on 127.0.0.1:6379, and `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/.."
G="node apps/cli/bin/gradtrace.js"
DB=gradtrace_flood
psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" postgres
export DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$DB"
export GRADTRACE_QUEUE_PREFIX="flood-$$"
npm run -s db:migrate >/dev/null
spec='{"name":"flood at the trace limit","axes":{"activations":["tanh","relu"],"initializers":["xavier_normal"],"depths":[64],"widths":[1],"learningRates":[0.01],"seeds":[0,1,2]},"fixed":{"epochs":3000,"batchSize":32,"tracing":{"every":11,"histogramBins":200}}}'
base=$(redis-cli info memory | awk -F: '/^used_memory:/{print $2+0}')
$G recorder 2>/dev/null & REC=$!
$G worker --concurrency 2 2>/dev/null & WRK=$!
trap 'kill -TERM $REC $WRK 2>/dev/null; wait; psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $DB" postgres' EXIT
sleep 3
t0=$(date +%s.%N)
ID=$($G sweep submit "$spec" | python3 -c "import json,sys; print(json.load(sys.stdin)['sweepId'])")
peak_rec=0; peak_redis=0; i=0
while true; do
  i=$((i + 1))
  r=$(awk '/VmRSS/{print $2}' /proc/$REC/status); ((r > peak_rec)) && peak_rec=$r
  m=$(redis-cli info memory | awk -F: '/^used_memory:/{print $2+0}'); ((m > peak_redis)) && peak_redis=$m
  if ((i % 8 == 0)) && [ "$($G sweep status "$ID" | python3 -c "import json,sys; print(json.load(sys.stdin)['status'])")" = completed ]; then break; fi
  sleep 0.5
done
t1=$(date +%s.%N)
echo "6 runs in $(echo "$t1 - $t0" | bc) s; recorder peak RSS $((peak_rec / 1024)) MiB; Redis used_memory peak $(((peak_redis - base) / 1048576)) MiB above its start"
psql -h 127.0.0.1 -U postgres -At -c "SELECT count(*) || ' TraceEpoch rows, ' || pg_size_pretty(pg_total_relation_size('\"TraceEpoch\"')) FROM \"TraceEpoch\"" $DB
