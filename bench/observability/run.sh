#!/usr/bin/env bash
# Observability bench: span ingestion rate into the embedded store (OTLP/HTTP /v1/traces end to end, the ingestor in
# process, the store alone), dashboard API server times on a database of 100,000 tasks (task list, task and step pages,
# a task of 1,000 steps), and stored bytes per step of a 50-model-step task with a growing context against full
# snapshots. Builds the bench (Release) and runs it; the seeded database is cached in /tmp/keel-bench-observability
# (first run ~1.5 min to seed, later runs copy it). Extra arguments go to the bench, e.g.:
#   bench/observability/run.sh                                  # everything, ~8 min on 2 cores
#   bench/observability/run.sh --quick                          # 10,000 tasks, a 200-step task, short runs (~1 min)
#   bench/observability/run.sh --sections=pages --reps=500      # or context, ingest, otlp (ingest's endpoint rows only); --tasks= --long-steps= --ingest-seconds=
# Output: Markdown tables on stdout; the log and the JSON result in bench/results/raw/observability-*.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RAW=$ROOT/bench/results/raw
STAMP=$(date -u +%Y-%m-%dT%H-%M-%SZ)
WORK=$(mktemp -d /tmp/keel-bench-observability-build.XXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$RAW"
command -v sqlite3 >/dev/null || { echo "the sqlite3 shell is needed for page sizes (dbstat): apt-get install -y sqlite3" >&2; exit 1; }

exec > >(tee "$RAW/observability-$STAMP.log") 2>&1
echo "== observability bench $STAMP; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== building Keel.Bench.Observability (Release) into $WORK"
dotnet publish "$ROOT/bench/Keel.Bench.Observability" -c Release -o "$WORK/bench" --nologo -v quiet >/dev/null
cd "$ROOT"
dotnet "$WORK/bench/Keel.Bench.Observability.dll" --results="$RAW" "$@"
