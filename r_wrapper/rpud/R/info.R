#' What rpud runs on
#'
#' Reports the versions of rpud, R, reticulate and the engine's Python packages, which Python
#' the engine runs in and why that one was chosen, how many CPU threads it uses, and whether a
#' CUDA GPU is usable (and if not, why not).
#'
#' @return An object of class `rpudl_info`: a list with the engine's report (`python`,
#'   `packages`, `threads`, `cuda`, `device`) and R's side (`r`), printed as a summary.
#' @examples
#' rpudlInfo()
#' @export
rpudlInfo <- function() {
  r_side <- list(
    rpud = as.character(utils::packageVersion("rpud")),
    R = paste(R.version$major, R.version$minor, sep = "."),
    reticulate = as.character(utils::packageVersion("reticulate"))
  )
  extra <- list(
    "R" = sprintf("%s (rpud %s, reticulate %s)", r_side$R, r_side$rpud, r_side$reticulate)
  )
  reason <- .rpud$python$reason %||% "reticulate chose it"
  value <- rpud_call("info", python_reason = reason, extra = extra)
  structure(c(value$report, list(r = r_side, text = value$text)), class = "rpudl_info")
}

#' @export
print.rpudl_info <- function(x, ...) {
  cat(x$text, "\n", sep = "")
  invisible(x)
}

`%||%` <- function(a, b) if (is.null(a)) b else a
