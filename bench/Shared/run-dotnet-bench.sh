#!/usr/bin/env bash
# Builds a .NET bench (Release) into a temporary folder and runs it, teeing everything into
# bench/results/raw/NAME-STAMP.log; the bench writes its JSON result beside it (--results) and its databases under the
# temporary folder (--work), which is removed at the end. Called by bench/NAME/run.sh:
#   bench/Shared/run-dotnet-bench.sh NAME PROJECT [bench arguments...]
set -euo pipefail
NAME=$1 PROJECT=$2
shift 2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RAW=$ROOT/bench/results/raw
STAMP=$(date -u +%Y-%m-%dT%H-%M-%SZ)
WORK=$(mktemp -d "/tmp/keel-bench-$NAME-build.XXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$RAW"

exec > >(tee "$RAW/$NAME-$STAMP.log") 2>&1
echo "== $NAME bench $STAMP; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); args: $*"
echo "== building $PROJECT (Release) into $WORK"
dotnet publish "$ROOT/bench/$PROJECT" -c Release -o "$WORK/bench" --nologo -v quiet >/dev/null
dotnet "$WORK/bench/$PROJECT.dll" --results "$RAW" --work "$WORK/db" "$@"
