# The pyrpudl engine as seen from R: one lazily imported module, pyrpudl.r_api, and one way of
# calling it (rpud_call) that turns engine errors into classed R conditions.

engine <- function() {
  if (is.null(.rpud$api)) {
    choice <- .rpud$python
    if (is.null(choice$python)) {
      rpud_abort(c("rpud cannot find the Python environment of its engine (pyrpudl).",
                   i = "Run scripts/setup.sh in the pyrpudl checkout, or call rpudSetPython()."),
                 class = "rpud_setup_error", call = NULL)
    }
    if (!file.exists(choice$python)) {
      rpud_abort(c(sprintf("The Python chosen for rpud does not exist: %s (chosen because %s).",
                           choice$python, choice$reason),
                   i = "Run scripts/setup.sh again, or call rpudSetPython() with an existing one."),
                 class = "rpud_setup_error", call = NULL)
    }
    # reticulate 1.28 probes the working folder's pyproject.toml for Poetry, even after
    # use_python(required = TRUE), and warns about any file with a [tool] table (ours has one):
    # naming the chosen Python in RETICULATE_PYTHON while Python starts skips that probe.
    if (!nzchar(Sys.getenv("RETICULATE_PYTHON")) && !reticulate::py_available(initialize = FALSE)) {
      Sys.setenv(RETICULATE_PYTHON = choice$python)
      on.exit(Sys.unsetenv("RETICULATE_PYTHON"), add = TRUE)
    }
    .rpud$api <- tryCatch(
      reticulate::import("pyrpudl.r_api"),
      error = function(e) {
        rpud_abort(c(sprintf("Python %s cannot load the engine: %s", choice$python,
                             conditionMessage(e)),
                     i = "Install pyrpudl into that environment (scripts/setup.sh does it)."),
                   class = "rpud_setup_error", call = NULL)
      }
    )
  }
  .rpud$api
}

# Calls an engine function by name with named arguments; returns its value or signals the error
# as an R condition of the classes the engine names (rpud_input_error, rpud_device_error, ...).
rpud_call <- function(name, ..., call = sys.call(-1L)) {
  result <- engine()$invoke(name, reticulate::dict(...))
  if (!isTRUE(result$ok)) {
    .rpud$last_error <- result
    cond <- structure(
      class = c(unlist(result$classes), "error", "condition"),
      list(message = result$message, call = call, python_type = result$python_type)
    )
    stop(cond)
  }
  result$value
}

# The progress callback every long-running engine function receives: message() reaches the
# console, knitr's output and rpy2's console alike (Python's print does not reach knitr).
rpud_reporter <- function(progress = NULL) {
  above_progress(progress, function(line) {
    message(line)
    invisible(NULL)
  })
}

#' The details of the last engine error
#'
#' Engine errors arrive in R as short messages. This returns what the engine knew: the Python
#' exception type and traceback, for a bug report.
#'
#' @return A list with `message`, `classes`, `python_type` and `traceback` (or `NULL` when no
#'   engine error happened in this session), printed as text.
#' @examples
#' rpudLastError()
#' @export
rpudLastError <- function() {
  err <- .rpud$last_error
  if (is.null(err)) return(invisible(NULL))
  structure(err, class = "rpud_last_error")
}

#' @export
print.rpud_last_error <- function(x, ...) {
  cat(sprintf("%s [%s]\n\n%s", x$message, paste(unlist(x$classes), collapse = ", "),
              x$traceback))
  invisible(x)
}

# An R-side error with the same classes and layout as the engine's (message, then i-bullets).
rpud_abort <- function(message, class = "rpud_input_error", call = sys.call(-1L)) {
  bullets <- names(message)
  text <- if (is.null(bullets)) message else
    ifelse(bullets == "i", paste0("i ", message), message)
  stop(structure(
    class = c(class, "rpud_error", "error", "condition"),
    list(message = paste(text, collapse = "\n"), call = call)
  ))
}
