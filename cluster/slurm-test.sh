#!/usr/bin/env bash
# Real Slurm test: a single-node Slurm cluster on this machine (munged, slurmctld and slurmd from Debian's munge
# and slurm-wlm, with a minimal slurm.conf in a temporary folder) and lrsweep's Slurm paths against it:
# `run --slurm` to the end; scancel mid-trial and a resubmitted job (no retry used); Ctrl-C on `run --slurm` and
# a resumed run; a job array of two workers with cluster/slurm-workers.sbatch; the time-limit signal handing
# trials back; a refused key ending its job as FAILED with exit 1, one that reaches no coordinator with 2.
# The trials are a command trainer that stops mid-run until its gate opens, so the kills land in the middle of a
# trial however fast or slow this machine is; deadlines only guard against a hang.
# Needs root (it installs slurm-wlm and munge when missing); otherwise, or when the daemons cannot start, it says
# SKIPPED and exits 0. Usage: cluster/slurm-test.sh [path/to/lrsweep]  (SLURM_TEST_KEEP=1 keeps its folder;
# SLURM_TEST_CASES, at the end, picks cases)
set -euo pipefail

bin=$(realpath "${1:-.build/release/lrsweep}")
script=$(realpath "$(dirname "$0")/slurm-workers.sbatch")
. "$(dirname "$0")/lib.sh"
skip() { echo "slurm-test: SKIPPED ($*)"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root to start munged, slurmctld and slurmd"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
    || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -q && apt-get install -y -q slurm-wlm munge; } >/tmp/slurm-test-apt.log 2>&1 \
        || skip "cannot install slurm-wlm and munge: $(tail -n 1 /tmp/slurm-test-apt.log)"
fi

node=$(hostname -s)
# The nodes reach the coordinator by this host's name, as on a cluster.
getent hosts "$(hostname)" >/dev/null || skip "this host's name $(hostname) does not resolve (getent hosts)"
work=$(mktemp -d)
daemons=(); procs=()
export SLURM_CONF="$work/slurm.conf"
cleanup() {
    set +e
    for p in "${procs[@]}"; do kill -9 "$p" 2>/dev/null; done
    if [ ${#daemons[@]} -gt 0 ] && kill -0 "${daemons[1]:-0}" 2>/dev/null; then
        scancel --user="$(id -un)" >/dev/null 2>&1   # this cluster's jobs: it is ours alone
        for _ in $(seq 1 150); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.1; done
    fi
    for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do kill "${daemons[i]}" 2>/dev/null; done
    for p in "${daemons[@]}"; do for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; done
    for p in "${daemons[@]}"; do kill -9 "$p" 2>/dev/null; done
    if [ -n "${SLURM_TEST_KEEP:-}" ]; then echo "slurm-test: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'; }

# --- the cluster ---------------------------------------------------------------------------------------------
mkdir -p "$work/munge" "$work/state" "$work/spool"
chmod 700 "$work" "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
cat > "$SLURM_CONF" <<CONF
ClusterName=lrsweeptest
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
AuthInfo=socket=$work/munge/socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobCompType=jobcomp/filetxt
JobCompLoc=$work/jobcomp.txt
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
KillWait=10
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
munged -F -f --key-file="$work/munge/munge.key" --socket="$work/munge/socket" --pid-file="$work/munge/pid" \
    --log-file="$work/munge/log" --seed-file="$work/munge/seed" >/dev/null 2>&1 &
daemons+=("$!")
slurmctld -D -f "$SLURM_CONF" >"$work/slurmctld.out" 2>&1 &
daemons+=("$!")
slurmd -D -N "$node" -f "$SLURM_CONF" >"$work/slurmd.out" 2>&1 &
daemons+=("$!")
names=(munged slurmctld slurmd)
state=""; dead=""
for _ in $(seq 1 300); do
    for i in 0 1 2; do kill -0 "${daemons[i]}" 2>/dev/null || { dead=${names[i]}; break 2; }; done
    state=$(sinfo -h -n "$node" -o %t 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.1
done
if [ -n "$dead" ]; then
    logs=("$work/munge/log"); [ "$dead" = munged ] || logs=("$work/$dead.out" "$work/$dead.log")
    why=$(cat "${logs[@]}" 2>/dev/null | grep -v '^$' | tail -n 1 || true)
    skip "$dead could not start${why:+: $why}"
elif [ "$state" != idle ]; then
    why=$(cat "$work"/slurm*.log 2>/dev/null | grep -i -E 'error|fatal' | tail -n 1 || true)
    skip "the Slurm node did not become idle within 30 s (state '${state:-none}')${why:+; $why}"
fi

# --- helpers ---------------------------------------------------------------------------------------------------
fail() {
    echo "slurm-test: FAILED ($case_name: $*)"
    python3 -c "import sqlite3,sys
for r in sqlite3.connect(sys.argv[1]).execute('SELECT id, status, attempts, worker, reason FROM trials'): print(*r)
for r in sqlite3.connect(sys.argv[1]).execute('SELECT kind, worker, trial_id, detail FROM events'): print(*r)" \
        "$case_dir/out/results.sqlite" 2>/dev/null || true
    for f in "$case_dir"/*.log "$case_dir"/out/slurm/*.out "$case_dir"/*.out "$case_dir"/out/trials/logs/*.log; do
        [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
    done
    exit 1
}
# q SQL: one value from the case's store (0 when it does not exist yet).
q() { store_value "$case_dir/out/results.sqlite" "$1"; }
# wait_until SECONDS WHAT COMMAND...: polls COMMAND; the deadline only guards against a hang.
wait_until() {
    local limit=$1 what=$2; shift 2
    for _ in $(seq 1 $((limit * 10))); do "$@" && return 0; sleep 0.1; done
    fail "no $what within $limit s"
}
# job_state JOBID: State|ExitCode from the job completion log, empty while the job has not ended.
job_state() { sacct -c -n -P -j "$1" -o State,ExitCode 2>/dev/null | head -n 1; }
job_ended() { [ -n "$(job_state "$1")" ]; }
# array_tasks ARRAYID: the job ids of an array's ended tasks (sacct -c does not know array ids).
array_tasks() { sed -n "s/^JobId=\([0-9]*\) .* ArrayJobId=$1 ArrayTaskId=.*/\1/p" "$work/jobcomp.txt"; }
array_ended() { [ "$(array_tasks "$1" | wc -l)" -ge "$2" ]; }
gate_held() { compgen -G "$case_dir/gate/running-*" >/dev/null; }
handbacks_at_least() { [ "$(q "SELECT COUNT(*) FROM events WHERE kind='handback'")" -ge "$1" ]; }
workers_holding_at_least() {
    [ "$(q "SELECT COUNT(DISTINCT worker) FROM trials WHERE status='running'")" -ge "$1" ]
}
running() { kill -0 "$1" 2>/dev/null; }
not_running() { ! kill -0 "$1" 2>/dev/null; }

# new_case NAME: a folder with a 4-trial sweep whose trainer waits at a closed gate (touch gate/open).
new_case() {
    case_name=$1; case_dir="$work/$1"; case_start=$SECONDS
    mkdir -p "$case_dir/gate"
    gated_trainer "$case_dir/trainer.sh"
    cat > "$case_dir/spec.yaml" <<YAML
name: $1
grid:
  optimizer: [sgd, adam]
  lr: [0.05, 0.001]
  dataset: fashion-mnist
  model: mlp
trainer:
  command: [/bin/sh, "$case_dir/trainer.sh", "$case_dir/gate"]
  grace: 2
retries: 0
YAML
}
# start_run ARGS...: `lrsweep run SPEC --slurm ARGS` in the background; sets run_pid and job (its first job id).
start_run() {
    "$bin" run "$case_dir/spec.yaml" --slurm --out "$case_dir/out" "$@" >"$case_dir/report.txt" 2>"$case_dir/run.log" &
    run_pid=$!; procs+=("$run_pid")
    wait_until 60 "'submitted Slurm job' from run --slurm" grep -q 'submitted Slurm job' "$case_dir/run.log"
    job=$(sed -n 's/.*submitted Slurm job \([0-9][0-9]*\).*/\1/p' "$case_dir/run.log" | head -n 1)
}
# start_coordinator: `lrsweep coordinator` with keys and a worker-only folder keys/workers/slurm; sets endpoint.
start_coordinator() {
    "$bin" keys generate "$case_dir/keys" >/dev/null
    "$bin" keys add-worker "$case_dir/keys" slurm >/dev/null
    local port; port=$(free_port)
    endpoint="tcp://$node:$port"
    "$bin" coordinator "$case_dir/spec.yaml" --bind "tcp://0.0.0.0:$port" --keys "$case_dir/keys" \
        --out "$case_dir/out" >"$case_dir/coordinator.log" 2>&1 &
    coord_pid=$!; procs+=("$coord_pid")
}
# submit_script SBATCH-OPTIONS... -- ARGS...: cluster/slurm-workers.sbatch with lrsweep on PATH; prints the job id.
submit_script() {
    local opts=()
    while [ "$1" != -- ]; do opts+=("$1"); shift; done; shift
    PATH="$(dirname "$bin"):$PATH" sbatch --parsable --chdir="$case_dir" "${opts[@]}" "$script" "$@" | cut -d';' -f1
}
finish_exit() { # finish_exit PID: waits for a run or coordinator to end; fails unless it exits 0.
    wait_until 120 "end of the sweep" not_running "$1"
    local status=0; wait "$1" || status=$?
    [ "$status" = 0 ] || fail "the sweep's process exited $status"
}
# expect_each_done_once: every trial done; its attempts are 1 + its handbacks; no retry, failure or expiry.
expect_each_done_once() {
    local done extra bad
    done=$(q "SELECT COUNT(*) FROM trials WHERE status='done'")
    extra=$(q "SELECT COUNT(*) FROM trials t WHERE attempts <> 1 + (SELECT COUNT(*) FROM events e
               WHERE e.kind='handback' AND e.trial_id=t.id)")
    bad=$(q "SELECT COUNT(*) FROM events WHERE kind IN ('retry', 'failed', 'expire')")
    [ "$done" = 4 ] && [ "$extra" = 0 ] && [ "$bad" = 0 ] && return 0
    # Slurm signals every process of the job step, the trainers too: one killed before its worker knew it was
    # stopping must still be handed back, not reported as a failed attempt.
    [ "$(q "SELECT COUNT(*) FROM trials WHERE status='failed' AND reason LIKE '%killed by signal 15%'")" = 0 ] ||
        fail "a trainer that Slurm's SIGTERM reached first was reported failed instead of handed back"
    fail "done $done/4, trials with attempts beyond their handbacks $extra, retry/failed/expire events $bad"
}
expect_job() { # expect_job JOBID STATE|EXITCODE
    wait_until 30 "job $1 in the completion log" job_ended "$1"
    [ "$(job_state "$1")" = "$2" ] || fail "job $1 ended $(job_state "$1"), expected $2"
}
passed() { echo "slurm-test: $case_name passed in $((SECONDS - case_start)) s ($*)"; }
# The `run --slurm` cases need a binary that has it; the others test cluster/slurm-workers.sbatch and the worker.
has_run_slurm() {
    local help; help=$("$bin" run --help 2>&1 || true)
    grep -q -- --slurm <<<"$help" && return 0
    echo "slurm-test: $1 SKIPPED (this lrsweep has no run --slurm)"; return 1
}

# --- the cases -------------------------------------------------------------------------------------------------
case_run_slurm() {
    has_run_slurm run-slurm || return 0
    new_case run-slurm
    touch "$case_dir/gate/open"
    start_run
    finish_exit "$run_pid"
    expect_each_done_once
    [ "$(q "SELECT SUM(attempts) FROM trials")" = 4 ] || fail "a trial ran more than once"
    [ -e "$case_dir/out/slurm/worker-keys/worker.secret" ] && [ -e "$case_dir/out/slurm/workers.sbatch" ] \
        || fail "no DIR/slurm/worker-keys or DIR/slurm/workers.sbatch"
    [ ! -e "$case_dir/out/slurm/worker-keys/coordinator.secret" ] || fail "coordinator.secret given to the nodes"
    grep -q '^exec srun .*--cpus-per-task=[0-9]' "$case_dir/out/slurm/workers.sbatch" \
        || fail "the generated script's srun does not pass --cpus-per-task (Slurm 22.05+ steps do not inherit it)"
    [ -s "$case_dir/out/slurm/worker-$job.out" ] || fail "no job output DIR/slurm/worker-$job.out"
    expect_job "$job" "COMPLETED|0:0"
    passed "4 of 4 trials done once by job $job, which shows COMPLETED"
}

case_scancel_resubmit() {
    has_run_slurm scancel-resubmit || return 0
    new_case scancel-resubmit
    start_run
    wait_until 60 "trial at the gate" gate_held
    scancel "$job"
    wait_until 30 "handback after scancel" handbacks_at_least 1
    touch "$case_dir/gate/open"
    local again; again=$(sbatch --parsable "$case_dir/out/slurm/workers.sbatch" | cut -d';' -f1)
    finish_exit "$run_pid"
    expect_each_done_once
    expect_job "$job" "CANCELLED|0:0"
    expect_job "$again" "COMPLETED|0:0"
    passed "job $job cancelled mid-trial, its trial handed back; resubmitted job $again finished all 4 once"
}

# Ctrl-C on `run --slurm`: its job is cancelled, the running trial handed back (not failed), and the same command
# afterwards finishes the sweep.
case_interrupt_resume() {
    has_run_slurm interrupt-resume || return 0
    new_case interrupt-resume
    start_run
    wait_until 60 "trial at the gate" gate_held
    kill -INT "$run_pid"
    wait_until 60 "end of run --slurm after Ctrl-C" not_running "$run_pid"
    local status=0; wait "$run_pid" || status=$?
    [ "$status" = 130 ] || fail "run --slurm exited $status after Ctrl-C, expected 130"
    [ -s "$case_dir/out/report.md" ] || fail "run --slurm wrote no report after Ctrl-C"
    wait_until 30 "job $job gone from the queue" eval '[ -z "$(squeue -h -j "$job" 2>/dev/null)" ]'
    handbacks_at_least 1 || fail "Ctrl-C handed no trial back"
    [ "$(q "SELECT COUNT(*) FROM trials WHERE status='failed'")" = 0 ] || fail "Ctrl-C failed a trial"
    touch "$case_dir/gate/open"
    start_run
    finish_exit "$run_pid"
    expect_each_done_once
    passed "Ctrl-C ended run --slurm (exit $status) and its job; the same command then finished all 4 once"
}

case_array() {
    new_case array
    [ "$(nproc)" -ge 2 ] || { echo "slurm-test: $case_name SKIPPED (two one-CPU workers need 2 CPUs)"; return; }
    start_coordinator
    local array
    array=$(LRSWEEP_DATA="$case_dir/data" submit_script --array=0-1 --cpus-per-task=1 -- \
        "$endpoint" "$case_dir/keys/workers/slurm" "$case_dir/out/trials")
    # Both array tasks' workers hold a trial at the closed gate before it opens.
    wait_until 60 "two workers holding trials" workers_holding_at_least 2
    touch "$case_dir/gate/open"
    finish_exit "$coord_pid"
    expect_each_done_once
    local hosts; hosts=$(q "SELECT COUNT(DISTINCT worker) FROM trials")
    [ "$hosts" -ge 2 ] || fail "trials done by $hosts worker(s), expected 2"
    wait_until 30 "both tasks of array job $array in the completion log" array_ended "$array" 2
    local task; for task in $(array_tasks "$array"); do expect_job "$task" "COMPLETED|0:0"; done
    grep -q "data $case_dir/data" "$case_dir"/lrsweep-workers-*.out || fail "LRSWEEP_DATA did not reach the job"
    [ "$(ls "$case_dir/out/trials/logs" | wc -l)" = 4 ] || fail "trial logs not in TRIAL_OUT_DIR"
    passed "array job $array: both workers ran trials, 4 of 4 done once, both tasks COMPLETED"
}

# The time limit: Slurm sends the --signal at its next periodic check once the warning time is near (up to 60 s
# early), here within 30 s of the job's start. Should it come before the worker holds a trial, the job ends with
# nothing handed back; then it is submitted again (at most 3 jobs).
time_limit_start() {
    has_run_slurm time-limit || return 0
    new_case time-limit
    start_run --cpus-per-node 1 --time 1 --sbatch-arg=--signal=TERM@55
    time_limit_jobs=("$job")
}
time_limit_finish() {
    [ -n "${time_limit_jobs:-}" ] || return 0
    case_name=time-limit; case_dir="$work/time-limit"
    local signalled=""
    for _ in $(seq 1 3); do
        wait_until 120 "handback or end of job ${time_limit_jobs[-1]}" \
            eval 'handbacks_at_least 1 || job_ended "${time_limit_jobs[-1]}"'
        if handbacks_at_least 1; then signalled=${time_limit_jobs[-1]}; break; fi
        time_limit_jobs+=("$(sbatch --parsable "$case_dir/out/slurm/workers.sbatch" | cut -d';' -f1)")
    done
    [ -n "$signalled" ] || fail "no trial handed back by jobs ${time_limit_jobs[*]}"
    touch "$case_dir/gate/open"
    local last
    last=$(sbatch --parsable --time=10 --signal=TERM@60 "$case_dir/out/slurm/workers.sbatch" | cut -d';' -f1)
    finish_exit "$run_pid"
    expect_each_done_once
    expect_job "$signalled" "COMPLETED|0:0"
    grep -q 'stopping: handed back 1 trial' "$case_dir/out/slurm/worker-$signalled.out" \
        || fail "job $signalled's output does not say it handed its trial back"
    passed "job $signalled handed its trial back on the time-limit signal and shows COMPLETED; job $last finished"
}

case_wrong_key() {
    new_case wrong-key
    start_coordinator
    # This sweep's coordinator.pub, but a worker key pair it has never seen.
    "$bin" keys generate "$case_dir/other" >/dev/null
    mkdir "$case_dir/wrong"
    cp "$case_dir/keys/coordinator.pub" "$case_dir/wrong/"
    cp "$case_dir/other/worker.pub" "$case_dir/other/worker.secret" "$case_dir/wrong/"
    local refused whole t0=$SECONDS
    refused=$(submit_script --cpus-per-task=1 -- "$endpoint" "$case_dir/wrong")
    # The deadline is far below the worker's --join-timeout (300 s), which would end it with exit 2.
    expect_job "$refused" "FAILED|1:0"
    local took=$((SECONDS - t0))
    grep -q 'refused' "$case_dir/lrsweep-workers-$refused.out" || fail "the job's output does not say why"
    whole=$(submit_script --cpus-per-task=1 -- "$endpoint" "$case_dir/keys")
    expect_job "$whole" "FAILED|1:0"
    grep -q 'coordinator.secret' "$case_dir/lrsweep-workers-$whole.out" || fail "no word on coordinator.secret"
    kill "$coord_pid"
    # A worker that never reaches a coordinator (nothing listens on that port) ends its job with exit 2.
    local lost
    lost=$(sbatch --parsable --chdir="$case_dir" --output=lost-%j.out --wrap "srun $bin worker --connect \
        tcp://$node:$(free_port) --keys $case_dir/keys/workers/slurm --join-timeout 2" | cut -d';' -f1)
    expect_job "$lost" "FAILED|2:0"
    passed "job $refused with an unknown key FAILED, exit 1, after ${took} s; a folder with coordinator.secret" \
        "refused; job $lost, which reached no coordinator, FAILED with exit 2"
}

echo "slurm-test: single-node Slurm up on $node ($(nproc) CPUs) in $SECONDS s; lrsweep: $bin"
# SLURM_TEST_CASES="case_array case_wrong_key" runs only those (time_limit_start and _finish go together).
run_case() { [ -z "${SLURM_TEST_CASES:-}" ] || [[ " $SLURM_TEST_CASES " == *" $1 "* ]] || return 0; "$1"; }
run_case case_run_slurm
run_case case_scancel_resubmit
run_case case_interrupt_resume
run_case case_array
run_case time_limit_start   # its job waits for Slurm's time-limit signal while the next case runs beside it
run_case case_wrong_key
run_case time_limit_finish
echo "slurm-test: passed (all cases that ran, in $SECONDS s)"
