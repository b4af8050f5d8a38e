#!/usr/bin/env bash
# Gateway bench: Keel side by side with the Portkey gateway, both in front of the same fast mock, in one run.
# Uses the shared harness (../shared/bench/peers/gateway): it starts the mock on :18080 and Portkey, times every
# response itself, paces requests open-loop, and samples each gateway's RSS. This script builds Keel (Release),
# starts `keel serve` with tracing and metering on (the default: every call is journaled, traced and priced), and
# hands it to the harness as the `keel` target. Extra arguments go to the harness, e.g.:
#   bench/gateway/run.sh                                   # default phases: paced 500/s, autocannon 500/s, max; streams
#   bench/gateway/run.sh --targets=direct,keel --modes=paced --rate=1000 --reps=3
# KEEL_NATIVE=1 builds and runs the native (NativeAOT) keel instead; KEEL_BIN=PATH runs a keel binary already built;
# KEEL_BUILD=DIR uses an existing `dotnet publish` output of src/Keel.Cli (JIT) instead of building one.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${KEEL_PEERS:-$ROOT/../shared/bench/peers}
WORK=$(mktemp -d /tmp/keel-bench-gateway.XXXX)
export PEERS_RESULTS=${PEERS_RESULTS:-$ROOT/bench/results/raw}
mkdir -p "$PEERS_RESULTS"

if [ -n "${KEEL_BUILD:-}" ]; then
  KEEL=("dotnet" "$KEEL_BUILD/keel.dll")
elif [ -n "${KEEL_BIN:-}" ]; then
  echo "using the keel binary $KEEL_BIN"
  KEEL=("$KEEL_BIN")
elif [ "${KEEL_NATIVE:-0}" = 1 ]; then
  echo "building the native keel (NativeAOT, Release) into $WORK/keel: a few minutes"
  CXX=(); command -v clang >/dev/null || ! command -v clang-14 >/dev/null || CXX=(-p:CppCompilerAndLinker=clang-14)
  dotnet publish "$ROOT/src/Keel.Cli" -c Release -p:PublishAot=true "${CXX[@]}" -o "$WORK/keel" --nologo -v quiet >/dev/null
  KEEL=("$WORK/keel/keel")
else
  echo "building keel (Release) into $WORK/keel"
  dotnet publish "$ROOT/src/Keel.Cli" -c Release -o "$WORK/keel" --nologo -v quiet >/dev/null
  KEEL=("dotnet" "$WORK/keel/keel.dll")
fi

cat > "$WORK/keel.yaml" <<YAML
providers:
  mock:
    type: openai
    base_url: http://127.0.0.1:18080/v1
deployments:
  gpt-4o-mini@mock:
    provider: mock
    model: gpt-4o-mini
models:
  gpt-4o-mini:
    deployments: [gpt-4o-mini@mock]
YAML

KEY=$("${KEEL[@]}" keys create --customer bench --db "$WORK/bench.db" 2>/dev/null)
"${KEEL[@]}" serve --db "$WORK/bench.db" --config "$WORK/keel.yaml" --urls http://127.0.0.1:8420 2>"$WORK/serve.log" &
KEEL_PID=$!
trap 'kill -TERM $KEEL_PID 2>/dev/null || true; wait $KEEL_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "listening" "$WORK/serve.log" && break; sleep 0.1; done
grep -q "listening" "$WORK/serve.log" || { cat "$WORK/serve.log"; exit 1; }

KEEL_GW_URL=http://127.0.0.1:8420 KEEL_GW_KEY=$KEY KEEL_GW_PID=$KEEL_PID \
  "$PEERS/gateway/run.sh" --targets=direct,portkey,keel "$@"

echo "keel store after the run (every call journaled, traced and priced): $(curl -s http://127.0.0.1:8420/healthz)"
