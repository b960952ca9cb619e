#' darch: deep belief networks on the pyrpudl engine
#'
#' `library(darch)` attaches rpud, whose engine implements the networks; this package keeps the
#' name and the API of darch 0.9.1 so that its documented sessions run unchanged. The DBN
#' functions (`newDArch`, `preTrainDArch`, `fineTuneDArch`, ...) are re-exported from rpud as
#' they land there.
#'
#' @keywords internal
#' @import rpud
"_PACKAGE"
