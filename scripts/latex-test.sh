#!/usr/bin/env bash
# The LaTeX tables compile: a small real sweep (synthetic data), `report --format latex` and
# `compare --format latex`, each compiled with pdflatex and rendered to PNG with pdftoppm.
# Usage: scripts/latex-test.sh [BIN] [OUT]   (defaults: .build/release/lrsweep, runs/latex-test)
# Installs the smallest Debian TeX that has pdflatex and booktabs (texlive-latex-base,
# texlive-latex-recommended) and poppler-utils when root; prints one SKIPPED line where it cannot.
set -euo pipefail
BIN=${1:-.build/release/lrsweep}
OUT=${2:-runs/latex-test}
have_tex() { command -v pdflatex >/dev/null && command -v pdftoppm >/dev/null && kpsewhich booktabs.sty >/dev/null; }
if ! have_tex; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        { apt-get install -y -q --no-install-recommends texlive-latex-base texlive-latex-recommended poppler-utils ||
          { apt-get update -q && apt-get install -y -q --no-install-recommends texlive-latex-base \
              texlive-latex-recommended poppler-utils; }; } >/tmp/lrsweep-latex-install.log 2>&1 || true
    fi
    if ! have_tex; then
        echo "SKIPPED latex test: pdflatex with booktabs and pdftoppm are missing and cannot be installed here" \
             "(as root: apt-get install texlive-latex-base texlive-latex-recommended poppler-utils)"
        exit 0
    fi
fi
rm -rf "$OUT"
mkdir -p "$OUT"
cat >"$OUT/spec.yaml" <<'YAML'
name: latex-test
metric: val_loss
grid:
  optimizer: [sgd, adam]
  lr: [1.0e+3, 1.0e-2, 1.0e-3]
  dataset: synthetic
  model: [logreg, mlp-small]
seeds: [1, 2]
train: {batch_size: 16, steps: 12, eval_every: 4, threads: 1}
retries: 0
YAML
"$BIN" run "$OUT/spec.yaml" --workers 2 --out "$OUT/run" >"$OUT/run.log"
"$BIN" report "$OUT/run" --format latex --out "$OUT/report.tex"
"$BIN" compare "$OUT/run" "$OUT/run" --format latex --out "$OUT/compare.tex"
fail() { echo "latex test FAILED: $*" >&2; exit 1; }
for name in report compare; do
    tex="$OUT/$name.tex"
    for needle in '\toprule' '\midrule' '\bottomrule' '\textbf{' 'Welch'; do
        grep -qF "$needle" "$tex" || fail "$tex lacks $needle"
    done
    (cd "$OUT" && pdflatex -interaction=nonstopmode -halt-on-error "$name.tex" >"$name.pdflatex.log" 2>&1) ||
        { tail -20 "$OUT/$name.pdflatex.log" >&2; fail "pdflatex could not compile $tex"; }
    [ -s "$OUT/$name.pdf" ] || fail "no $name.pdf"
    pdftoppm -png -r 110 -f 1 -l 1 "$OUT/$name.pdf" "$OUT/$name" && ls "$OUT/$name"*.png >/dev/null ||
        fail "pdftoppm could not render $name.pdf"
done
echo "latex test passed: $OUT/report.pdf, $OUT/compare.pdf and their PNGs"
