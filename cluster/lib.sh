# Shared by the cluster test scripts (source it; it defines functions only).

# netns_usable TAG: true when this process may make network namespaces (root and a working `ip netns`).
netns_usable() {
    [ "$(id -u)" = 0 ] && ip netns add "$1-probe" 2>/dev/null || return 1
    ip netns del "$1-probe"
}

# netns_host NS: a new namespace with its loopback up.
netns_host() {
    ip netns add "$1"
    ip -n "$1" link set lo up
}

# netns_link HUB NS TAG N NET: a point-to-point veth link between namespaces HUB and NS, named TAG-aN (hub side,
# NET.N.1/24) and TAG-bN (NS side, NET.N.2/24), both up. NET is the first two octets, e.g. 10.213.
netns_link() {
    local hub=$1 ns=$2 tag=$3 n=$4 net=$5
    ip link add "$tag-a$n" type veth peer name "$tag-b$n"
    ip link set "$tag-a$n" netns "$hub"
    ip link set "$tag-b$n" netns "$ns"
    ip -n "$hub" addr add "$net.$n.1/24" dev "$tag-a$n"
    ip -n "$ns" addr add "$net.$n.2/24" dev "$tag-b$n"
    ip -n "$hub" link set "$tag-a$n" up
    ip -n "$ns" link set "$tag-b$n" up
}

# store_value DB SQL: the first column of the first row of SQL in the results store DB (0 while it does not exist).
store_value() {
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" \
        "$1" "$2" 2>/dev/null || echo 0
}

# gated_trainer PATH: writes a command trainer (`/bin/sh PATH GATE`) that reports step 1, leaves GATE/running-ID-ATTEMPT
# holding its pid, and waits mid-trial until GATE/open exists (or its worker is gone); then reports its final step.
# A kill aimed at a running trial then lands mid-trial however fast or slow the machine is.
gated_trainer() {
    cat > "$1" <<'SH'
#!/bin/sh
gate="$1"; id="$LRSWEEP_TRIAL_ID"; attempt="$LRSWEEP_ATTEMPT"
echo "{\"step\": 1, \"val_loss\": $attempt}"
echo $$ > "$gate/.running-$id-$attempt" && mv "$gate/.running-$id-$attempt" "$gate/running-$id-$attempt"
while [ ! -e "$gate/open" ]; do kill -0 "$PPID" 2>/dev/null || exit 3; sleep 0.02; done
echo '{"step": 2, "val_loss": 0.25, "final": true}'
SH
}
