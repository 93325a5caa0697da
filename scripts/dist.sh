#!/usr/bin/env bash
# `make dist`: lrsweep for machines without Swift (a cluster's compute nodes). Builds the release binary with the
# Swift standard library and Foundation linked statically (--static-swift-stdlib) in its own build folder
# (.build-dist, so the everyday build is left alone), checks with ldd that it needs no Swift library, and writes
# dist/lrsweep-VERSION-linux-ARCH.tar.gz: the binary and NODE-PACKAGES.txt, the Debian packages a node needs for
# the C libraries it still loads (worked out from the binary with ldd and dpkg, not written by hand).
# Usage: scripts/dist.sh [swift]
set -euo pipefail
cd "$(dirname "$0")/.."
swift=${1:-swift}

arch=$(uname -m)
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
name="lrsweep-$version-linux-$arch"
cpu=()
# As the Makefile: the engine's SIMD loops need FMA, so x86-64 builds target Haswell (AVX2, FMA) or newer.
[ "$arch" = x86_64 ] && cpu=(-Xswiftc -target-cpu -Xswiftc haswell)

"$swift" build -c release "${cpu[@]}" --static-swift-stdlib --scratch-path .build-dist --product lrsweep
bin=$("$swift" build -c release "${cpu[@]}" --static-swift-stdlib --scratch-path .build-dist --show-bin-path)/lrsweep

deps=$(ldd "$bin")
if grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime' <<<"$deps"; then
    echo "dist: $bin still loads the Swift libraries above" >&2; exit 1
fi
if grep -q 'not found' <<<"$deps"; then
    echo "dist: $bin needs libraries this machine lacks:" >&2; grep 'not found' <<<"$deps" >&2; exit 1
fi

# The package of each library the binary names (NEEDED); apt brings what those libraries need in turn.
packages=()
for lib in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    pkg=$(dpkg -S "*/$lib" 2>/dev/null | awk -v l="/$lib" 'substr($0, length($0) - length(l) + 1) == l' \
        | head -n 1 | cut -d: -f1 || true)
    case "$pkg" in
        "") echo "dist: no Debian package found for $lib" >&2; exit 1 ;;
        libopenblas0-*) pkg=libopenblas0 ;;     # the variant installed here; any of them will do
    esac
    packages+=("$pkg")
done
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)

stage="dist/$name"
rm -rf "$stage" && mkdir -p "$stage"
cp "$bin" "$stage/lrsweep"
strip "$stage/lrsweep" 2>/dev/null || true
"$stage/lrsweep" optimizers >/dev/null || { echo "dist: the packed binary does not run" >&2; exit 1; }
cat > "$stage/NODE-PACKAGES.txt" <<TXT
lrsweep $version for Linux $arch, built $(date -u +%Y-%m-%d) with $("$swift" --version 2>/dev/null | head -n 1)

The Swift standard library and Foundation are linked into the binary: a node needs no Swift toolchain.
It loads these C libraries, from Debian's (or Ubuntu's) packages:

    sudo apt-get install ${packages[*]}

(libc6, libgcc-s1 and libstdc++6 are on every Debian system already.)$([ "$arch" = x86_64 ] && printf '\n%s' \
"The binary uses AVX2 and FMA instructions: x86-64 CPUs from Intel Haswell (2013) or AMD Zen on.")

Put lrsweep on the nodes' PATH (a shared folder will do), then for example:
    lrsweep worker --connect tcp://LOGIN-NODE:PORT --keys WORKER-KEYS
    sbatch cluster/slurm-workers.sbatch tcp://LOGIN-NODE:PORT WORKER-KEYS
or, on the login node, lrsweep run SPEC --slurm (see the README, "On a Slurm cluster").
Check a node with: ldd lrsweep | grep 'not found'   (prints nothing when all is there)
TXT
tar -C dist -czf "dist/$name.tar.gz" "$name"
rm -rf "$stage"
echo "dist: wrote dist/$name.tar.gz ($(du -h "dist/$name.tar.gz" | cut -f1)); nodes need: ${packages[*]}"
