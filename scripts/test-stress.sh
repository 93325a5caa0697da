#!/usr/bin/env bash
# make test-stress [N=5]: runs the built test suite N times in a row while a CPU-burning process takes one
# core, the way CI's machine may be loaded, and prints every failure. A test that bets on timing shows up
# here long before it turns CI red. Usage: scripts/test-stress.sh N SWIFT-TEST-FLAGS...
set -uo pipefail
runs="${1:-5}"; shift
logs=$(mktemp -d "${TMPDIR:-/tmp}/lrsweep-stress.XXXXXX")

# One core busy for the whole run: a shell loop never sleeps.
( while :; do :; done ) &
burner=$!
trap 'kill "$burner" 2>/dev/null' EXIT

failed=0
started=$(date +%s)
for i in $(seq 1 "$runs"); do
    t0=$(date +%s)
    swift test --skip-build "$@" >"$logs/run-$i.log" 2>&1
    status=$?
    bash cluster/netns-test.sh .build/release/lrsweep >>"$logs/run-$i.log" 2>&1 || status=1
    bash cluster/slurm-test.sh .build/release/lrsweep >>"$logs/run-$i.log" 2>&1 || status=1
    summary=$(grep -E "^✔ Test run|^✘ Test run|netns-test:|slurm-test: (passed|FAILED|SKIPPED)" "$logs/run-$i.log" \
        | tr '\n' ' ')
    echo "stress run $i/$runs: $([ $status = 0 ] && echo passed || echo FAILED) in $(( $(date +%s) - t0 )) s · $summary"
    if [ $status != 0 ]; then
        failed=$((failed + 1))
        grep -E "^✘ Test .* (failed|recorded an issue)|(netns|slurm)-test: FAILED" "$logs/run-$i.log" | sed 's/^/    /'
    fi
done
echo "stress: $((runs - failed)) passed, $failed failed in $(( $(date +%s) - started )) s, one core busy throughout (logs in $logs)"
[ $failed = 0 ]
