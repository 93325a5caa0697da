#!/usr/bin/env bash
# Start one lrsweep worker on each host over SSH, detached, logging to ~/lrsweep-worker.log there.
#
#   cluster/ssh-launch.sh tcp://head-node:5555 keys/ node1 node2 node3
#
# Copies the key folder to each host first (worker keys plus coordinator.pub; never coordinator.secret).
# lrsweep must be on each host's PATH. Stop them with: ssh HOST pkill -TERM -f 'lrsweep worker'
set -euo pipefail
endpoint=${1:?usage: ssh-launch.sh tcp://HOST:PORT KEYDIR HOST...}
keys=${2:?key folder (lrsweep keys generate DIR)}
shift 2
for host in "$@"; do
    ssh "$host" 'mkdir -p ~/.lrsweep-keys && chmod 700 ~/.lrsweep-keys'
    scp -q "$keys/coordinator.pub" "$keys/worker.pub" "$keys/worker.secret" "$host:.lrsweep-keys/"
    ssh "$host" "chmod 600 ~/.lrsweep-keys/worker.secret; nohup lrsweep worker --connect '$endpoint' \
        --keys ~/.lrsweep-keys --stay > ~/lrsweep-worker.log 2>&1 < /dev/null &"
    echo "started a worker on $host"
done
