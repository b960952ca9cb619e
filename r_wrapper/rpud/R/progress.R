# A one-line progress bar in an interactive console: "[=====>     ] 1200/4000  315.2 it/s  cost 0.53",
# redrawn in place on stderr. Not in knitr, Rscript or CI, which get the plain log lines only; the
# option rpud.progress (TRUE/FALSE) overrides the choice.

progress_wanted <- function() {
  isTRUE(getOption("rpud.progress", interactive())) && !isTRUE(getOption("knitr.in.progress")) &&
    !nzchar(Sys.getenv("CI"))
}

new_progress <- function(total, unit = "it", label = "cost") {
  if (!progress_wanted()) return(NULL)
  p <- new.env()
  p$total <- max(total, 1)
  p$unit <- unit
  p$label <- label
  p$start <- proc.time()[["elapsed"]]
  p$shown <- ""
  p
}

progress_update <- function(p, done, value = NULL) {
  if (is.null(p)) return(invisible(NULL))
  elapsed <- max(proc.time()[["elapsed"]] - p$start, 1e-9)
  filled <- floor(30 * min(done, p$total) / p$total)
  bar <- paste0(strrep("=", filled), if (filled < 30) ">" else "", strrep(" ", max(29 - filled, 0)))
  text <- sprintf("[%s] %d/%d  %.1f %s/s", bar, as.integer(done), as.integer(p$total), done / elapsed, p$unit)
  if (!is.null(value)) text <- paste0(text, sprintf("  %s %.4g", p$label, value))
  progress_clear(p)
  cat("\r", text, sep = "", file = stderr())
  p$shown <- text
  invisible(NULL)
}

progress_clear <- function(p) {
  if (!is.null(p) && nzchar(p$shown)) {
    cat("\r", strrep(" ", nchar(p$shown)), "\r", sep = "", file = stderr())
    p$shown <- ""
  }
  invisible(NULL)
}

# Prints with `print_line(line)`, clearing the bar first and drawing it again after.
above_progress <- function(p, print_line) {
  function(line) {
    shown <- if (is.null(p)) "" else p$shown
    progress_clear(p)
    print_line(line)
    if (nzchar(shown)) {
      cat("\r", shown, sep = "", file = stderr())
      p$shown <- shown
    }
    invisible(NULL)
  }
}

# The engine's progress callback for darch: epochs done of all, and the last error.
progress_callback <- function(p) {
  if (is.null(p)) return(NULL)
  r_callback(function(done, total, value) {
    p$total <- max(as.numeric(total), 1)
    progress_update(p, as.numeric(done), as.numeric(value))
  })
}
