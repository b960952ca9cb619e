#' Plot the filters of a layer
#'
#' Draws each filter of a convolution as a small image in a grid, normalised per filter to the
#' full grey (or colour) range: in colour when the filters have 3 input channels, otherwise the
#' first channel in grey.
#'
#' @param weights An array `num_output x channels x height x width`, as
#'   [rpudlGetLayerWeights()] returns.
#' @param ncol Number of columns of the grid.
#' @return `weights`, invisibly.
#' @examples
#' w <- array(rnorm(8 * 3 * 5 * 5), dim = c(8, 3, 5, 5))
#' rpudlPlotLayerWeights(w)
#' @export
rpudlPlotLayerWeights <- function(weights, ncol = ceiling(sqrt(dim(weights)[1]))) {
  d <- dim(weights)
  if (length(d) != 4L) {
    rpud_abort("`weights` must be an array of filters: num_output x channels x height x width.")
  }
  n <- d[1]
  nrow <- ceiling(n / ncol)
  old <- graphics::par(mfrow = c(nrow, ncol), mar = c(0.2, 0.2, 0.2, 0.2))
  on.exit(graphics::par(old))
  for (i in seq_len(n)) {
    filter <- weights[i, , , , drop = FALSE]
    span <- range(filter)
    scaled <- if (diff(span) > 0) (filter - span[1]) / diff(span) else filter * 0 + 0.5
    image <- if (d[2] == 3L) {
      grDevices::rgb(scaled[1, 1, , ], scaled[1, 2, , ], scaled[1, 3, , ])
    } else {
      grDevices::grey(scaled[1, 1, , ])
    }
    graphics::plot.new()
    graphics::plot.window(c(0, 1), c(0, 1), asp = d[3] / d[4])
    graphics::rasterImage(matrix(image, d[3], d[4]), 0, 0, 1, 1, interpolate = FALSE)
  }
  invisible(weights)
}
