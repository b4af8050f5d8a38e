#!/usr/bin/env bash
# Durable-step bench: Keel side by side with LangGraph JS (SQLite checkpointer) and DBOS TypeScript (PostgreSQL),
# in one run, with the same task: N (=12) sequential steps each returning a ~1 KB string, T (=200) tasks one after
# another per rep, 20 warm-up tasks, a fresh database per rep. Uses the shared peers (../shared/bench/peers/langgraph
# and /dbos; DBOS starts a throw-away PostgreSQL 15 on 127.0.0.1:55433 and stops it afterwards). Builds Keel's bench
# (Release), runs Keel, LangGraph, DBOS, then prints the three side by side with ratios and the goals.
#   bench/durable/run.sh                      # 12 steps x 1 KB, 200 tasks, 5 reps (~4 min, +1 min first npm install)
#   bench/durable/run.sh --reps=3 --tasks=100 --steps=12 --payload=1024
#   KEEL_BENCH_ARGS="--variants=shipped,page8k" bench/durable/run.sh   # extra arguments for Keel's side only
# Output: tables on stdout, the whole log and every side's JSON in bench/results/raw/durable-*.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${KEEL_PEERS:-$ROOT/../shared/bench/peers}
export PEERS_WORK=${PEERS_WORK:-/tmp/keel-peers}
RAW=$ROOT/bench/results/raw
STAMP=$(date -u +%Y-%m-%dT%H-%M-%SZ)
WORK=$(mktemp -d /tmp/keel-bench-durable.XXXX)
mkdir -p "$RAW"

REPS=5 TASKS=200 STEPS=12 PAYLOAD=1024
for a in "$@"; do
  case "$a" in
    --reps=*) REPS=${a#*=} ;;
    --tasks=*) TASKS=${a#*=} ;;
    --steps=*) STEPS=${a#*=} ;;
    --payload=*) PAYLOAD=${a#*=} ;;
    *) echo "unknown argument $a (use --reps= --tasks= --steps= --payload=)" >&2; exit 2 ;;
  esac
done

exec > >(tee "$RAW/durable-$STAMP.log") 2>&1
echo "== durable-step bench $STAMP: $STEPS steps x $PAYLOAD B, $TASKS tasks, $REPS reps; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== building Keel.Bench.Durable (Release) into $WORK/keel"
dotnet publish "$ROOT/bench/Keel.Bench.Durable" -c Release -o "$WORK/keel" --nologo -v quiet >/dev/null

echo "== Keel (SQLite, synchronous NORMAL and FULL)"
dotnet "$WORK/keel/Keel.Bench.Durable.dll" --steps="$STEPS" --tasks="$TASKS" --reps="$REPS" --payload="$PAYLOAD" \
  --results="$WORK/keel-results" --work="$WORK/keel-db" ${KEEL_BENCH_ARGS:-}
KEEL_JSON=$(ls "$WORK"/keel-results/durable-keel-*.json)
cp "$KEEL_JSON" "$RAW/durable-keel-$STAMP.json"

echo "== LangGraph JS (SQLite checkpointer)"
PEERS_RESULTS="$WORK/peers" "$PEERS/langgraph/run.sh" --nodes="$STEPS" --threads="$TASKS" --reps="$REPS" --payload="$PAYLOAD" \
  --modes=none,sqlite,sqlite-sync
cp "$(ls "$WORK"/peers/langgraph-*.json)" "$RAW/durable-langgraph-$STAMP.json"

echo "== DBOS TypeScript (PostgreSQL 15)"
if [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
  echo "PostgreSQL 15 binaries missing: apt-get install -y postgresql" >&2; exit 1
fi
PEERS_RESULTS="$WORK/peers" "$PEERS/dbos/run.sh" --steps="$STEPS" --workflows="$TASKS" --reps="$REPS" --payload="$PAYLOAD"
cp "$(ls "$WORK"/peers/dbos-*.json)" "$RAW/durable-dbos-$STAMP.json"

echo
node "$ROOT/bench/durable/compare.mjs" "$RAW/durable-keel-$STAMP.json" "$RAW/durable-langgraph-$STAMP.json" "$RAW/durable-dbos-$STAMP.json"
echo
echo "raw: $RAW/durable-{keel,langgraph,dbos}-$STAMP.json, log: $RAW/durable-$STAMP.log"
rm -rf "$WORK"
