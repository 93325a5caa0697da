#!/usr/bin/env bash
# `make reproductions`: runs the quick forms of the seed papers' comparisons (sweeps/reproductions/),
# then writes docs/reproductions.md from their results.json with `lrsweep reproductions`.
# Usage: scripts/reproductions.sh [BIN] [OUT]   (defaults: .build/release/lrsweep, runs/reproductions)
# Runs that already finished are resumed (skipped), so a second call only regenerates the file.
set -euo pipefail
BIN=${1:-.build/release/lrsweep}
OUT=${2:-runs/reproductions}
WORKERS=${WORKERS:-2}
mkdir -p "$OUT/specs"
log() { echo "[$(date -u +%H:%M:%S)] $*"; }

# The learned schedule needs a controller: half the default budget (48 episodes of 300 steps).
if [ ! -s "$OUT/controller.json" ]; then
    log "training the rl-schedule controller (48 episodes)"
    "$BIN" controller train --model mlp-small --dataset fashion-mnist --episodes 48 --workers 0 --jobs "$WORKERS" \
        --out "$OUT/controller.json" --work "$OUT/controller.runs" >"$OUT/controller.log"
fi

for name in hypergradient autodrop salr rl-schedule; do
    log "running $name (quick form)"
    "$BIN" run "sweeps/reproductions/$name-quick.yaml" --workers "$WORKERS" --out "$OUT/$name" >"$OUT/$name.log"
done

# Step-decay cells of the rl-schedule baseline: adam with step decay, one spec per (step_size, gamma).
for cell in "10 0.9" "20 0.88" "50 0.9"; do
    set -- $cell
    name="rl-schedule-step-$1-$2"
    sed -e "s/^name: rl-schedule-quick$/name: $name/" \
        -e "s/^  optimizer: \[rl-schedule, adam\]$/  optimizer: adam/" \
        -e "s/^  schedule: constant$/  schedule: step\n  schedule_options: {step_size: $1, gamma: $2}/" \
        "sweeps/reproductions/rl-schedule-quick.yaml" >"$OUT/specs/$name.yaml"
    log "running $name"
    "$BIN" run "$OUT/specs/$name.yaml" --workers "$WORKERS" --out "$OUT/$name" >"$OUT/$name.log"
done

# results.json in the current format (the runs may have been made by an older binary), then the document.
for dir in "$OUT"/*/; do
    [ -f "$dir/results.sqlite" ] && "$BIN" report "$dir" --format json --out "$dir/results.json"
done
"$BIN" reproductions "$OUT" --out docs/reproductions.md
log "wrote docs/reproductions.md"
