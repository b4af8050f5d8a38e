#!/usr/bin/env bash
# Billing bench (issue 8): rating throughput on the embedded store. 1,000 customers on five plans (graduated, volume,
# per unit with a minimum, percentage of value with a cap, model cost passed through with a markup), 10 million
# billable events ingested in batches of 1,000 through IKeelStore.AddBillableEventsAsync (idempotency keys on; the
# first 10,000 resubmitted to check none counts twice), every draft invoice computed, then finalized (numbers checked
# gapless), the same events through InvoiceRater alone, one-at-a-time RecordEventAsync, and an insert what-if.
#   bench/billing/run.sh                                   # the full run: 10,000,000 events, 1,000 customers
#   bench/billing/run.sh --events 1000000 --customers 1000 # a 1M run (~10 min on 2 shared cores)
#   bench/billing/run.sh --events 100000 --customers 100   # a quick look (~1 min)
# Other flags: --batch N --single N --breakdown N --whatif N (0 skips) --work DIR --keep
# Output: Markdown on stdout; the log and the JSON result in bench/results/raw/billing-*.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RAW=$ROOT/bench/results/raw
STAMP=$(date -u +%Y-%m-%dT%H-%M-%SZ)
WORK=$(mktemp -d /tmp/keel-bench-billing-build.XXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$RAW"

exec > >(tee "$RAW/billing-$STAMP.log") 2>&1
echo "== billing bench $STAMP; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); args: $*"
echo "== building Keel.Bench.Billing (Release) into $WORK"
dotnet publish "$ROOT/bench/Keel.Bench.Billing" -c Release -o "$WORK/bench" --nologo -v quiet >/dev/null
dotnet "$WORK/bench/Keel.Bench.Billing.dll" --results "$RAW" --work "$WORK/db" "$@"
