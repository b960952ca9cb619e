#!/usr/bin/env bash
# Runs every check: ruff (lint and format), the R packages' testthat suites and R CMD check, the
# CUDA kernels and backend in Numba's CUDA simulator, pytest on NumPy 2, then pytest, whose summary
# line ends the output (on a machine with a GPU it also runs the real-GPU tests). Fails when any
# of them fails.
# Run scripts/setup.sh first.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${PYRPUDL_VENV:-$ROOT/.venv}
cd "$ROOT"
export PATH="$VENV/bin:$PATH"
failed=()

step() {
  local name=$1; shift
  printf '\n== %s\n' "$name"
  "$@" || failed+=("$name")
}

r_tests() {
  Rscript -e 'testthat::test_dir(file.path("r_wrapper", commandArgs(TRUE)[1], "tests", "testthat"),
                                 package = commandArgs(TRUE)[1], load_package = "installed",
                                 reporter = "summary", stop_on_failure = TRUE)' "$1"
}

# R CMD check of both packages, engine tests included (RPUD_PYTHON points the checked copy at our
# environment, which the installed copy learns from scripts/setup.sh).
r_check() {
  local dir; dir=$(mktemp -d)
  (cd "$dir" && R CMD build --no-build-vignettes "$ROOT/r_wrapper/$1" >build.log 2>&1 &&
    RPUD_PYTHON="$VENV/bin/python" _R_CHECK_FORCE_SUGGESTS_=false R CMD check --no-manual "$1"_*.tar.gz >check.log 2>&1)
  local status=$?
  grep -E "^Status|WARNING|ERROR|NOTE" "$dir/check.log" || cat "$dir/build.log"
  if [ $status -ne 0 ] || ! grep -q "^Status: OK" "$dir/check.log"; then
    cat "$dir/check.log"; return 1
  fi
  rm -rf "$dir"
}

step "ruff check" ruff check .
step "ruff format" ruff format --check .
step "R tests (rpud)" r_tests rpud
step "R tests (darch)" r_tests darch
step "R CMD check (rpud)" r_check rpud
step "R CMD check (darch)" r_check darch
# CUDA twins against the CPU kernels on tiny shapes, with no GPU needed (skipped in the main run);
# on every core (pytest-xdist): the simulator is pure Python, 578 -> 363 s on the 2-core machine.
step "CUDA kernels (simulator)" env NUMBA_ENABLE_CUDASIM=1 python -m pytest -q -p no:cacheprovider -n auto tests/cuda
# The engine on NumPy 2 (the main environment has NumPy 1.26 for R); R's tests need the main one.
step "pytest on NumPy 2" "$ROOT/.venv-np2/bin/python" -m pytest -q -p no:cacheprovider --ignore=tests/r \
  --deselect tests/test_setup_script.py::test_a_second_set_up_run_does_nothing_and_is_quick
[ ${#failed[@]} -gt 0 ] && printf '\nfailed before pytest: %s\n' "${failed[*]}"
step "pytest" python -m pytest "$@"

if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[*]}" >&2
  exit 1
fi
