.onLoad <- function(libname, pkgname) {
  # Decide the Python now, before anything starts it; the engine itself loads on first use.
  apply_python_choice(choose_python())
}
