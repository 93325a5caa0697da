#!/usr/bin/env bash
# Multi-host test: three network namespaces on this machine joined by veth pairs, the coordinator in one
# and a worker in each of the others, a real sweep over TCP between them, one worker killed mid-sweep.
# Needs root and `ip netns` (iproute2); otherwise it says SKIPPED and exits 0.
# Usage: cluster/netns-test.sh [path/to/lrsweep]
set -euo pipefail

bin=$(realpath "${1:-.build/release/lrsweep}")
. "$(dirname "$0")/lib.sh"
tag="lrs$$"
coord="$tag-c"; w1="$tag-w1"; w2="$tag-w2"

if ! netns_usable "$tag"; then
    echo "netns-test: SKIPPED (needs root and ip netns to make test hosts)"
    exit 0
fi

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    for ns in "$coord" "$w1" "$w2"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

for ns in "$coord" "$w1" "$w2"; do netns_host "$ns"; done
# One point-to-point link per worker host: 10.213.N.1 (coordinator side) — 10.213.N.2 (worker side).
netns_link "$coord" "$w1" "$tag" 1 10.213
netns_link "$coord" "$w2" "$tag" 2 10.213

# The trials run a command that stops mid-run until the gate opens (every host sees this folder), so the
# kill below certainly lands in the middle of a trial, however fast or slow this machine is.
mkdir -p "$work/gate"
gated_trainer "$work/trainer.sh"
cat > "$work/spec.yaml" <<YAML
name: netns
grid:
  optimizer: [sgd, adam]
  lr: [0.05, 0.001]
  dataset: fashion-mnist
  model: mlp
seeds: [1, 2]
trainer:
  command: [/bin/sh, "$work/trainer.sh", "$work/gate"]
  grace: 2
retries: 5
YAML

"$bin" keys generate "$work/keys" >/dev/null
ip netns exec "$coord" "$bin" coordinator "$work/spec.yaml" --bind tcp://0.0.0.0:5555 --keys "$work/keys" \
    --out "$work/out" >"$work/coordinator.log" 2>&1 &
cpid=$!; pids+=("$cpid")
ip netns exec "$w1" "$bin" worker --connect tcp://10.213.1.1:5555 --keys "$work/keys" --id host1 \
    >"$work/w1.log" 2>&1 &
v=$!; pids+=("$v")
ip netns exec "$w2" "$bin" worker --connect tcp://10.213.2.1:5555 --keys "$work/keys" --id host2 \
    >"$work/w2.log" 2>&1 &
pids+=("$!")

query() { store_value "$work/out/results.sqlite" "$1"; }

# Wait until host1 holds a trial whose trainer waits at the gate, then kill the host's worker and trainer (-9)
# and start a replacement on the same host. The deadlines only guard against a hang.
held=""
for _ in $(seq 1 1200); do
    held=$(query "SELECT id || '-' || attempts FROM trials WHERE status='running' AND worker='host1'")
    [ "$held" != 0 ] && [ -s "$work/gate/running-$held" ] && break
    held=""; sleep 0.1
done
if [ -z "$held" ]; then
    echo "netns-test: FAILED (host1 never held a trial)"; tail -n 20 "$work/coordinator.log" "$work"/w*.log; exit 1
fi
# The worker first: were its trainer killed first, it could report that as a failed attempt.
kill -9 "$v"; wait "$v" 2>/dev/null || true
kill -9 "$(cat "$work/gate/running-$held")" 2>/dev/null || true
ip netns exec "$w1" "$bin" worker --connect tcp://10.213.1.1:5555 --keys "$work/keys" --id host1b \
    >"$work/w1b.log" 2>&1 &
pids+=("$!")
touch "$work/gate/open"

status=0
for _ in $(seq 1 1800); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
wait "$cpid" || status=$?
done_count=$(query "SELECT COUNT(*) FROM trials WHERE status='done'")
retries=$(query "SELECT COUNT(*) FROM events WHERE kind='retry'")
hosts=$(query "SELECT COUNT(DISTINCT worker) FROM trials")
if [ "$status" = 0 ] && [ "$done_count" = 8 ] && [ "$retries" = 1 ] && [ "$hosts" -ge 2 ]; then
    echo "netns-test: passed (8 of 8 trials done across 3 hosts, the killed trial retried once)"
else
    echo "netns-test: FAILED (coordinator exit $status, done $done_count/8, retries $retries, hosts $hosts)"
    tail -n 20 "$work/coordinator.log" "$work"/w*.log
    exit 1
fi
