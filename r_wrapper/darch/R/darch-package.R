#' darch: deep belief networks on the pyrpudl engine
#'
#' `library(darch)` attaches rpud, whose engine implements the networks; this package keeps the
#' name and the API of darch 0.9.1 so that its documented sessions run unchanged. The DBN
#' functions (`newDArch`, `preTrainDArch`, `fineTuneDArch`, `darch()`, ...) are re-exported from
#' rpud, so `darch::newDArch` works too.
#'
#' @keywords internal
#' @import rpud
#' @docType package
#' @name darch-package
#' @aliases darch-package
NULL
