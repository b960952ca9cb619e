#!/usr/bin/env bash
# Runs every check: ruff (lint and format), the R packages' testthat suites, then pytest, whose
# summary line ends the output. Fails when any of them fails. Run scripts/setup.sh first.
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

step "ruff check" ruff check .
step "ruff format" ruff format --check .
step "R tests (rpud)" r_tests rpud
step "R tests (darch)" r_tests darch
# The engine on NumPy 2 (the main environment has NumPy 1.26 for R); R's tests need the main one.
step "pytest on NumPy 2" "$ROOT/.venv-np2/bin/python" -m pytest -q -p no:cacheprovider --ignore=tests/r \
  --deselect tests/test_setup_script.py::test_a_second_set_up_run_does_nothing_and_is_quick
[ ${#failed[@]} -gt 0 ] && printf '\nfailed before pytest: %s\n' "${failed[*]}"
step "pytest" python -m pytest "$@"

if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[*]}" >&2
  exit 1
fi
