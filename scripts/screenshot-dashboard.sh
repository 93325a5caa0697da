#!/usr/bin/env bash
# Renders the dashboard to PNGs with headless Chromium (part of `make screenshot`):
#   scripts/screenshot-dashboard.sh BIN SWEEP_DIR OUT_DIR
# 1. OUT_DIR/dashboard.png: SWEEP_DIR served by `lrsweep serve`, its first trial open (trial table, that
#    trial's curves, the ranking and charts of report.html).
# 2. OUT_DIR/dashboard-live.png: a sweep while it runs (`lrsweep run … --serve`): 12 trials of a command
#    trainer that waits at a gate after two points, so the page shows trials running on two workers, the
#    progress bar, the workers table and a running trial's curve and log. The gate opens after the shot.
set -euo pipefail
bin="$1"; dir="$2"; out="$3"
log="$out/dashboard-screenshot.log"
: >"$log"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 300); do curl -sf "$1" | grep -q "$2" && return 0; sleep 0.1; done; return 1; }
shoot() {
    rm -f "$2"
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,"$3" \
      --screenshot="$2" "$1" 2>>"$log" || true
    test -s "$2" || { cat "$log" >&2; exit 1; }
    echo "wrote $2"
}
pids=()
work=$(mktemp -d)
trap 'kill "${pids[@]}" 2>/dev/null || true; touch "$work/open"; rm -rf "$work"' EXIT

port=$(free_port)
"$bin" serve "$dir" --bind "127.0.0.1:$port" 2>>"$log" &
pids+=($!)
key=$(basename "$dir")
wait_for "http://127.0.0.1:$port/s/$key" 'data-trial="'
trial=$(curl -sf "http://127.0.0.1:$port/s/$key" | grep -o 'data-trial="[0-9a-zA-Z]*"' | head -1 | cut -d'"' -f2)
shoot "http://127.0.0.1:$port/s/$key?trial=$trial" "$out/dashboard.png" 3000

cat >"$work/trainer.sh" <<'SH'
#!/bin/sh
echo "{\"step\": 1, \"val_loss\": 1.5}"
echo "seed $2: training (this line is the trial's log)" >&2
echo "{\"step\": 2, \"val_loss\": 1.$2}"
while [ ! -e "$1/open" ]; do kill -0 "$PPID" 2>/dev/null || exit 3; sleep 0.05; done
echo "{\"step\": 3, \"val_loss\": 0.$2, \"final\": true}"
SH
cat >"$work/spec.yaml" <<YAML
name: dashboard-live
grid: {optimizer: [sgd, adam], lr: [0.1, 0.01], dataset: fashion-mnist, model: mlp}
seeds: [1, 2, 3]
trainer: {command: [/bin/sh, "$work/trainer.sh", "$work", "{seed}"], grace: 2}
YAML
port=$(free_port)
"$bin" run "$work/spec.yaml" --workers 2 --out "$work/out" --serve "127.0.0.1:$port" >>"$log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$port/s/out" 'data-count="running">2<'
trial=$(curl -sf "http://127.0.0.1:$port/s/out?status=running" | grep -o 'data-trial="[0-9a-zA-Z]*"' | head -1 \
    | cut -d'"' -f2)
shoot "http://127.0.0.1:$port/s/out?trial=$trial" "$out/dashboard-live.png" 1500
touch "$work/open"
wait "${pids[1]}"
