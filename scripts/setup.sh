#!/usr/bin/env bash
# Sets pyrpudl up on Debian bookworm: Debian packages (R, pandoc, Fashion-MNIST), the project's
# Python environment (.venv, pyrpudl installed editable), and the R packages rpud and darch,
# recorded to use that environment so that a plain `R` anywhere can library(rpud).
# Idempotent: each step checks first and does nothing when it is already done.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${PYRPUDL_VENV:-$ROOT/.venv}
STAMPS=$VENV/.pyrpudl-setup
log() { printf 'setup: %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

DEBIAN_PACKAGES=(
  r-base-core r-base-dev r-cran-reticulate r-cran-ggplot2 r-cran-knitr r-cran-rmarkdown
  r-cran-testthat r-cran-roxygen2 pandoc dataset-fashion-mnist
  python3 python3-venv python3-dev libpython3.11 build-essential git tmux
)

install_debian_packages() {
  local missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | grep -q '^ii' || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then log "Debian packages: present"; return; fi
  log "Debian packages: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# reticulate embeds Python, so the interpreter needs a shared libpython (Debian's has one).
pick_python() {
  local candidate
  for candidate in ${PYTHON:-} python3 /usr/bin/python3; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys, sysconfig
ok = sys.version_info >= (3, 11) and sysconfig.get_config_var("Py_ENABLE_SHARED") == 1
sys.exit(0 if ok else 1)' 2>/dev/null; then
      command -v "$candidate"; return
    fi
  done
  echo "setup: no Python >= 3.11 with a shared libpython found; install python3 (Debian)" >&2
  exit 1
}

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

install_python_env() {
  if [ ! -x "$VENV/bin/python" ]; then
    local python; python=$(pick_python)
    log "Python environment: creating $VENV with $python"
    "$python" -m venv "$VENV"
  fi
  mkdir -p "$STAMPS"
  local want; want=$(stamp_of "$ROOT/pyproject.toml" "$ROOT/scripts/constraints-r.txt" "${BASH_SOURCE[0]}")
  if [ "$(cat "$STAMPS/python" 2>/dev/null)" = "$want" ] && "$VENV/bin/python" -c 'import pyrpudl' 2>/dev/null; then
    log "Python environment: up to date ($VENV)"; return
  fi
  log "Python environment: installing pyrpudl (editable) with the r, dev and cuda extras"
  { "$VENV/bin/python" -m pip install --upgrade pip &&
    "$VENV/bin/python" -m pip install -c "$ROOT/scripts/constraints-r.txt" -e "$ROOT[r,dev,cuda]"; } \
    >"$STAMPS/pip-install.log" 2>&1 || { cat "$STAMPS/pip-install.log" >&2; exit 1; }
  echo "$want" > "$STAMPS/python"
}

# A second environment with NumPy 2, where the test command runs the engine's Python tests: the
# engine supports NumPy 1.26 (which R's reticulate needs) and 2.x.
install_numpy2_env() {
  local env=${PYRPUDL_NP2_VENV:-$ROOT/.venv-np2}
  local want; want=$(stamp_of "$ROOT/pyproject.toml" "${BASH_SOURCE[0]}")
  if [ "$(cat "$env/.pyrpudl-stamp" 2>/dev/null)" = "$want" ]; then
    log "NumPy 2 environment: up to date ($env)"; return
  fi
  log "NumPy 2 environment: installing pyrpudl with numpy>=2 into $env"
  [ -x "$env/bin/python" ] || "$(pick_python)" -m venv "$env"
  "$env/bin/python" -m pip install "numpy>=2" -e "$ROOT" pytest "setuptools>=77" wheel >"$env/pip-install.log" 2>&1 \
    || { cat "$env/pip-install.log" >&2; exit 1; }
  echo "$want" > "$env/.pyrpudl-stamp"
}

r_library() {
  if [ "$(id -u)" = 0 ]; then echo /usr/local/lib/R/site-library; return; fi
  local lib; lib=$(Rscript -e 'cat(Sys.getenv("R_LIBS_USER"))'); mkdir -p "$lib"; echo "$lib"
}

install_r_packages() {
  local lib python want
  lib=$(r_library); python="$VENV/bin/python"
  want=$(cd "$ROOT" && { find r_wrapper vignettes -type f -not -path '*/tests/*' | sort | xargs cat; echo "$python"; } | sha256sum | cut -c1-16)
  # Up to date only if the installed rpud is ours and records this environment (another checkout's
  # set-up may have installed its own since).
  if [ "$(cat "$STAMPS/r" 2>/dev/null)" = "$want" ] && [ -d "$lib/darch" ] &&
     [ "$(cat "$lib/rpud/python" 2>/dev/null)" = "$python" ]; then
    log "R packages: up to date ($lib)"; return
  fi
  log "R packages: installing rpud and darch into $lib"
  R CMD INSTALL --no-test-load -l "$lib" "$ROOT/r_wrapper/rpud" "$ROOT/r_wrapper/darch" >"$STAMPS/r-install.log" 2>&1 \
    || { cat "$STAMPS/r-install.log" >&2; exit 1; }
  # The installed rpud remembers our environment (read by its .onLoad; see R/python-choice.R).
  R_LIBS="$lib" Rscript -e 'rpud::rpudSetPython(commandArgs(TRUE)[1], scope = "installation")' "$python" >/dev/null
  install_vignettes "$lib" "$python"
  echo "$want" > "$STAMPS/r"
}

# rpud again, from a source package whose vignettes are built (vignettes/*.Rmd, rendered by the
# engine itself), so that vignette(package = "rpud") lists them. CI renders them quickly (CI set).
install_vignettes() {
  local lib=$1 python=$2 stage
  stage=$(mktemp -d)
  cp -r "$ROOT/r_wrapper/rpud" "$stage/rpud"
  mkdir -p "$stage/rpud/vignettes"
  cp "$ROOT"/vignettes/*.Rmd "$stage/rpud/vignettes/"
  printf 'VignetteBuilder: knitr\n' >> "$stage/rpud/DESCRIPTION"
  log "R packages: building rpud's vignettes (they train small models)"
  if (cd "$stage" && R_LIBS="$lib" RPUD_PYTHON="$python" R CMD build rpud >build.log 2>&1 &&
      R CMD INSTALL --no-test-load -l "$lib" rpud_*.tar.gz >install.log 2>&1); then
    R_LIBS="$lib" Rscript -e 'rpud::rpudSetPython(commandArgs(TRUE)[1], scope = "installation")' "$python" >/dev/null
  else
    cat "$stage/build.log" "$stage/install.log" >&2 2>/dev/null; rm -rf "$stage"; exit 1
  fi
  rm -rf "$stage"
}

install_debian_packages
install_python_env
install_r_packages
install_numpy2_env
log "ready: R packages rpud and darch use $VENV/bin/python"
