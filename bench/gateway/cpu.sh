#!/usr/bin/env bash
# Gateway CPU per call: the CPU time `keel serve` spends per request under a closed-loop load (autocannon), from
# /proc/PID/stat, with the mock and the load generator from the shared harness. Ports differ from run.sh's, so it
# can run beside it. Quick and local: compare a change against its baseline in the same session, not across machines.
#   bench/gateway/cpu.sh [--conns=50] [--rate=N] [--duration=8] [--runs=2] [--warmup=5] [--keel=DIR|--bin=FILE] [--trace=FILE.nettrace]
# --rate: N requests/s in all (autocannon -R) instead of a closed loop, to see the CPU per call at a moderate load;
# --keel: an existing `dotnet publish` output of src/Keel.Cli; --bin: a keel binary already built (the native build,
# see docs/gateway.md). Each run prints the step writer thread's share of the CPU per call too. --trace: a CPU-sampling trace of the first run
# (dotnet-trace; read it with `dotnet-trace report FILE topN -n 40`); --perf: a `perf record -g` of the first run
# (`keel serve` gets DOTNET_PerfMapEnabled=1 so JIT frames have names; read it with `perf report -i FILE`).
# Extra environment (e.g. DOTNET_gcConcurrent=0) passes through to `keel serve`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${KEEL_PEERS:-$ROOT/../shared/bench/peers}/gateway
CONNS=50; RATE=""; DURATION=8; WARMUP=5; RUNS=2; KEEL_DIR=""; KEEL_BIN=""; TRACE=""; PERF=""
for a in "$@"; do case $a in
  --conns=*) CONNS=${a#*=} ;; --rate=*) RATE=${a#*=} ;; --duration=*) DURATION=${a#*=} ;; --runs=*) RUNS=${a#*=} ;; --warmup=*) WARMUP=${a#*=} ;; --keel=*) KEEL_DIR=${a#*=} ;; --bin=*) KEEL_BIN=${a#*=} ;; --trace=*) TRACE=${a#*=} ;; --perf=*) PERF=${a#*=}; export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 ;;
  *) echo "unknown option $a" >&2; exit 2 ;; esac; done
WORK=$(mktemp -d /tmp/keel-bench-cpu.XXXX)
HARNESS=${PEERS_WORK:-${TMPDIR:-/tmp}/keel-peers}/gateway
[ -d "$HARNESS/node_modules/autocannon" ] || { mkdir -p "$HARNESS" && cp -r "$PEERS"/. "$HARNESS"/ && (cd "$HARNESS" && npm ci --no-audit --no-fund >/dev/null); }
if [ -n "$KEEL_BIN" ]; then
  KEEL_CMD=("$KEEL_BIN")
else
  if [ -z "$KEEL_DIR" ]; then
    KEEL_DIR=$WORK/keel
    dotnet publish "$ROOT/src/Keel.Cli" -c Release -o "$KEEL_DIR" --nologo -v quiet >/dev/null
  fi
  KEEL_CMD=(dotnet "$KEEL_DIR/keel.dll")
fi
cat > "$WORK/keel.yaml" <<YAML
providers:
  mock: { type: openai, base_url: "http://127.0.0.1:18180/v1" }
deployments:
  gpt-4o-mini@mock: { provider: mock, model: gpt-4o-mini }
models:
  gpt-4o-mini: { deployments: [gpt-4o-mini@mock] }
YAML
node "$HARNESS/mock-openai.mjs" --port=18180 >/dev/null &
MOCK=$!
KEY=$("${KEEL_CMD[@]}" keys create --customer bench --db "$WORK/bench.db" 2>/dev/null)
"${KEEL_CMD[@]}" serve --db "$WORK/bench.db" --config "$WORK/keel.yaml" --urls http://127.0.0.1:8520 2>"$WORK/serve.log" &
KEEL=$!
trap 'kill -TERM $KEEL $MOCK 2>/dev/null || true; wait $KEEL 2>/dev/null || true; cat "$WORK/trace.log" 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do grep -q "listening" "$WORK/serve.log" && break; sleep 0.1; done
BODY='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello."}]}'
ticks() { awk '{print $14+$15}' "/proc/$KEEL/stat"; }
# The step writer's own CPU (its thread is named keel-step-write), to tell recording from the request path.
writer_ticks() {
  local t; for t in /proc/"$KEEL"/task/*; do
    if [ "$(cat "$t/comm" 2>/dev/null)" = keel-step-write ]; then awk '{print $14+$15}' "$t/stat"; return; fi
  done; echo 0
}
load() { node "$HARNESS/node_modules/autocannon/autocannon.js" -j -c "$CONNS" ${RATE:+-R "$RATE"} -d "$1" -m POST -H content-type=application/json \
  -H "authorization=Bearer $KEY" -b "$BODY" http://127.0.0.1:8520/v1/chat/completions 2>/dev/null; }
load "$WARMUP" >/dev/null # warm-up: JIT tiers, pools
HZ=$(getconf CLK_TCK)
for run in $(seq 1 "$RUNS"); do
  TRACER=""
  if [ -n "$TRACE" ] && [ "$run" = 1 ]; then
    "${DOTNET_TRACE:-$HOME/.dotnet/tools/dotnet-trace}" collect -p "$KEEL" --duration "00:00:00:$DURATION" --profile dotnet-sampled-thread-time,dotnet-common -o "$TRACE" >"$WORK/trace.log" 2>&1 &
    TRACER=$!; sleep 1
  elif [ -n "$PERF" ] && [ "$run" = 1 ]; then
    perf record -F 997 -g -p "$KEEL" -o "$PERF" -- sleep "$DURATION" >"$WORK/trace.log" 2>&1 &
    TRACER=$!
  fi
  before=$(ticks); wbefore=$(writer_ticks)
  out=$(load "$DURATION")
  after=$(ticks); wafter=$(writer_ticks)
  if [ -n "$TRACER" ]; then wait "$TRACER" || true; fi
  node -e '
    const r = JSON.parse(process.argv[1]); const n = r.requests.total; const cpu = (process.argv[2] / process.argv[3]) * 1e6;
    const writer = (process.argv[6] / process.argv[3]) * 1e6;
    const status = require("fs").readFileSync("/proc/" + process.argv[4] + "/status", "utf8");
    const rss = status.match(/VmRSS:\s+(\d+)/)[1], threads = status.match(/Threads:\s+(\d+)/)[1];
    console.log(`run ${process.argv[5]}: ${Math.round(n / r.duration)} req/s, ${(cpu / n).toFixed(1)} µs CPU per call (writer ${(writer / n).toFixed(1)}), ` +
      `p99 ${r.latency.p99} ms, ` +
      `p50 ${r.latency.p50} ms, non-2xx ${r.non2xx}, errors ${r.errors}, RSS ${Math.round(rss / 1024)} MiB, ${threads} threads`);
  ' "$out" "$((after - before))" "$HZ" "$KEEL" "$run" "$((wafter - wbefore))"
done
echo "store: $(curl -s http://127.0.0.1:8520/healthz)"
