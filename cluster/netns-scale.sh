#!/usr/bin/env bash
# Scale measurement across hosts: the coordinator in one network namespace and one worker in each of WORKERS
# others (each its own host, joined to the coordinator's by a veth pair, CURVE on), running TRIALS command trials
# that sleep SECONDS each; then `lrsweep bench scale --store` computes the makespan efficiency from the results
# store (first lease → last result). A measurement, not a test: not part of `make test`.
# Needs root and `ip netns` (iproute2); otherwise it says SKIPPED and exits 0.
# Usage: cluster/netns-scale.sh [path/to/lrsweep] [WORKERS=16] [TRIALS=2000] [SECONDS=0.5] [SLOTS=1] [--json]
set -euo pipefail

bin=$(realpath "${1:-.build/release/lrsweep}")
. "$(dirname "$0")/lib.sh"
workers=${2:-16}; trials=${3:-2000}; seconds=${4:-0.5}; slots=${5:-1}; json=${6:-}
tag="lrs$$"
coord="$tag-c"

if ! netns_usable "$tag"; then
    echo "netns-scale: SKIPPED (needs root and ip netns to make worker hosts)"
    exit 0
fi
if [ "$workers" -lt 1 ] || [ "$workers" -gt 250 ]; then echo "netns-scale: WORKERS must be 1..250" >&2; exit 1; fi

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$coord" 2>/dev/null || true
    for n in $(seq 1 "$workers"); do ip netns del "$tag-w$n" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

netns_host "$coord"
# One point-to-point link per worker host: 10.214.N.1 (coordinator side) — 10.214.N.2 (worker side).
for n in $(seq 1 "$workers"); do
    netns_host "$tag-w$n"
    netns_link "$coord" "$tag-w$n" "$tag" "$n" 10.214
done

# The same trials as `lrsweep bench scale --kind command`: each a seed, sleeping SECONDS, then the final line.
cat > "$work/spec.yaml" <<YAML
name: bench-scale
metric: val_loss
grid: {sleep_seconds: $seconds}
seeds: [$(seq -s ', ' 1 "$trials")]
retries: 0
trainer:
  command: [/bin/sh, -c, 'sleep "\$1" && echo "{\"final\": true, \"val_loss\": 0}"', sh, "{sleep_seconds}"]
YAML

"$bin" keys generate "$work/keys" >/dev/null
ip netns exec "$coord" "$bin" coordinator "$work/spec.yaml" --bind tcp://0.0.0.0:5555 --keys "$work/keys" \
    --out "$work/out" >"$work/coordinator.log" 2>&1 &
cpid=$!; pids+=("$cpid")
for n in $(seq 1 "$workers"); do
    ip netns exec "$tag-w$n" "$bin" worker --connect "tcp://10.214.$n.1:5555" --keys "$work/keys" --id "host$n" \
        --slots "$slots" --out "$work/trials-$n" --quiet >"$work/w$n.log" 2>&1 &
    pids+=("$!")
done

status=0
wait "$cpid" || status=$?
if [ "$status" != 0 ]; then
    echo "netns-scale: FAILED (coordinator exit $status)"; tail -n 20 "$work/coordinator.log" "$work/w1.log"; exit 1
fi
echo "netns-scale: $workers worker hosts × $slots slot(s), $trials trials of $seconds s, CURVE on; load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" bench scale --store "$work/out/results.sqlite" --slots-total $((workers * slots)) --trial-seconds "$seconds" \
    ${json:+--json}
