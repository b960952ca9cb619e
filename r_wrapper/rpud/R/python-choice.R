# Which Python (with pyrpudl installed) this R session uses, and why. Decided once, when the
# package loads, before reticulate starts Python; the first rule that applies wins.

.rpud <- new.env(parent = emptyenv())

python_setting_file <- function(scope = c("user", "installation")) {
  scope <- match.arg(scope)
  if (scope == "user") {
    file.path(tools::R_user_dir("rpud", "config"), "python")
  } else {
    file.path(system.file(package = "rpud"), "python")
  }
}

read_python_setting <- function(scope) {
  path <- python_setting_file(scope)
  if (!file.exists(path)) return(NULL)
  value <- trimws(readLines(path, n = 1L, warn = FALSE))
  if (length(value) == 0L || !nzchar(value)) NULL else list(python = value, file = path)
}

# Returns list(python = path or NULL, reason = text, fixed = TRUE when reticulate already decided).
choose_python <- function() {
  if (reticulate::py_available(initialize = FALSE)) {
    return(list(python = reticulate::py_config()$python, fixed = TRUE,
                reason = "reticulate had already started it in this R session"))
  }
  host <- getOption("rpud.python.host")
  if (!is.null(host)) {
    return(list(python = host, fixed = FALSE,
                reason = "R runs inside this Python process (rpy2); reticulate attaches to it"))
  }
  env <- Sys.getenv("RETICULATE_PYTHON")
  if (nzchar(env)) {
    return(list(python = env, fixed = TRUE, reason = "RETICULATE_PYTHON is set"))
  }
  opt <- getOption("rpud.python", Sys.getenv("RPUD_PYTHON"))
  if (nzchar(opt)) {
    return(list(python = opt, fixed = FALSE,
                reason = "option rpud.python or RPUD_PYTHON names it"))
  }
  for (scope in c("user", "installation")) {
    setting <- read_python_setting(scope)
    if (!is.null(setting)) {
      why <- if (scope == "user") "rpudSetPython() recorded it in" else "the set-up script recorded it in"
      return(list(python = setting$python, fixed = FALSE, reason = paste(why, setting$file)))
    }
  }
  list(python = NULL, fixed = FALSE, reason = "no Python environment with pyrpudl is configured")
}

# Tell reticulate which Python to start. required = TRUE stops a .venv or conda environment in
# the working directory from taking its place.
apply_python_choice <- function(choice) {
  if (!is.null(choice$python) && !isTRUE(choice$fixed) && file.exists(choice$python)) {
    reticulate::use_python(choice$python, required = TRUE)
  }
  .rpud$python <- choice
  invisible(choice)
}

#' Choose the Python environment that runs the engine
#'
#' Records the Python interpreter (of an environment where the `pyrpudl` Python package is
#' installed) that `rpud` uses from now on. The set-up script of pyrpudl records its own
#' environment for you; use this to point `rpud` at another one. Takes effect in new R sessions.
#'
#' @param python Path to a Python executable, such as `"/path/to/.venv/bin/python"`.
#' @param scope `"user"` (your own setting, in [tools::R_user_dir()]) or `"installation"`
#'   (next to the installed package, for every user; needs write access there).
#' @return The file the setting was written to, invisibly.
#' @examples
#' # (R_USER_CONFIG_DIR keeps this example's setting out of your own configuration)
#' old <- Sys.getenv("R_USER_CONFIG_DIR")
#' Sys.setenv(R_USER_CONFIG_DIR = tempdir())
#' rpudSetPython(rpudlInfo()$python$executable)
#' Sys.setenv(R_USER_CONFIG_DIR = old)
#' @export
rpudSetPython <- function(python, scope = c("user", "installation")) {
  scope <- match.arg(scope)
  if (!is.character(python) || length(python) != 1L || !file.exists(python)) {
    rpud_abort(c(sprintf("`python` must be the path of an existing Python executable, not %s.",
                         format(python)[1]),
                 i = "It is the file bin/python inside the environment where pyrpudl is installed."),
               class = "rpud_input_error")
  }
  path <- python_setting_file(scope)
  dir.create(dirname(path), recursive = TRUE, showWarnings = FALSE)
  # Keep the venv's own bin/python: resolving its symlink would name the base interpreter,
  # which lacks the environment's packages.
  writeLines(file.path(normalizePath(dirname(python)), basename(python)), path)
  invisible(path)
}
