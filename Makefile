# lrsweep — `make demo` to see a sweep, `make test` for the whole suite, `make bench` for speed.
SWIFT ?= swift
ARCH := $(shell uname -m)
# Swift on x86-64 Linux targets baseline SSE2 unless told otherwise; the engine's SIMD loops need FMA.
ifeq ($(ARCH),x86_64)
CPU_FLAGS := -Xswiftc -target-cpu -Xswiftc haswell
endif
BUILD_FLAGS := -c release $(CPU_FLAGS)
# Tests run against an optimised build (training in a debug build is too slow for the suite's budget);
# -enable-testing lets test targets use @testable imports in release.
TEST_FLAGS := $(BUILD_FLAGS) -Xswiftc -enable-testing
BIN := .build/release/lrsweep

.PHONY: setup build demo test test-stress bench clean reproductions dist test-slurm

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build $(BUILD_FLAGS) --product lrsweep

demo: build
	$(BIN) run sweeps/quickstart.yaml --workers 2

# `swift test` builds everything, the lrsweep binary included (the integration tests run it).
test: setup
	$(SWIFT) test $(TEST_FLAGS)
	bash cluster/netns-test.sh $(BIN)
	bash cluster/slurm-test.sh $(BIN)
	bash scripts/latex-test.sh $(BIN)

# `make test-stress N=5`: the built suite, netns and Slurm tests N times in a row beside a process that burns one
# core; prints every failure. Run it before you stop whenever you touch tests that involve processes or time.
N ?= 5
test-stress: setup
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	bash scripts/test-stress.sh $(N) $(TEST_FLAGS)

bench: build
	$(BIN) bench train --model logreg --batch-size 128 --threads 2 --steps 200
	$(BIN) bench train --model mlp --batch-size 128 --threads 2 --steps 30
	$(BIN) bench train --model lenet5 --batch-size 128 --threads 2 --steps 30
	$(BIN) bench dispatch --workers 8 --trials 20000

# `make reproductions`: the seed papers' comparisons in their stated quick forms; writes docs/reproductions.md.
reproductions: build
	bash scripts/reproductions.sh $(BIN)

clean:
	rm -rf .build runs

# `make test-slurm`: only the real single-node Slurm test (munge, slurmctld, slurmd; root only, installs slurm-wlm
# and munge when missing; otherwise it says SKIPPED). `make test` runs it too.
test-slurm: build
	bash cluster/slurm-test.sh $(BIN)

# `make dist`: dist/lrsweep-VERSION-linux-ARCH.tar.gz, the binary with Swift's libraries linked in (for nodes
# without Swift) and NODE-PACKAGES.txt, the Debian packages a node needs. Builds in .build-dist.
dist: setup
	bash scripts/dist.sh $(SWIFT)

# `make screenshot`: the quickstart's HTML report (runs/quickstart/report.html, made by `make demo` if missing)
# rendered to runs/quickstart/report.png by headless Chromium, and its live dashboard page (`lrsweep serve`)
# to runs/quickstart/dashboard.png, a running sweep's to dashboard-live.png. Installs Debian's chromium when root.
QUICKSTART_HTML := runs/quickstart/report.html
SCREENSHOT := runs/quickstart/report.png
.PHONY: screenshot
screenshot: $(QUICKSTART_HTML)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else echo "make screenshot needs Chromium: sudo apt-get install chromium" >&2; exit 1; fi; }
	@rm -f $(SCREENSHOT)
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,5600 \
	  --screenshot=$(SCREENSHOT) file://$(abspath $(QUICKSTART_HTML)) 2>runs/quickstart/screenshot.log
	@test -s $(SCREENSHOT) || { cat runs/quickstart/screenshot.log >&2; exit 1; }
	@echo "wrote $(SCREENSHOT)"
	bash scripts/screenshot-dashboard.sh $(BIN) runs/quickstart runs/quickstart

$(QUICKSTART_HTML):
	$(MAKE) demo
