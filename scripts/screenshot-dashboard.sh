#!/usr/bin/env bash
# Renders the live dashboard page of a sweep to a PNG with headless Chromium (part of `make screenshot`):
#   scripts/screenshot-dashboard.sh BIN SWEEP_DIR OUT.png
# Serves SWEEP_DIR with `lrsweep serve` on a free loopback port, opens the sweep's page with its first
# trial selected (the trial table, that trial's curves, the ranking and charts), and stops the server.
set -euo pipefail
bin="$1"; dir="$2"; out="$3"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log="$(dirname "$out")/dashboard-screenshot.log"
"$bin" serve "$dir" --bind "127.0.0.1:$port" 2>"$log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
key=$(basename "$dir")
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/" >/dev/null && break
    sleep 0.1
done
trial=$(curl -sf "http://127.0.0.1:$port/s/$key" | grep -o 'data-trial="[0-9a-zA-Z]*"' | head -1 | cut -d'"' -f2)
rm -f "$out"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,3000 \
  --screenshot="$out" "http://127.0.0.1:$port/s/$key?trial=$trial" 2>>"$log" || true
test -s "$out" || { cat "$log" >&2; exit 1; }
echo "wrote $out"
