#' Write examples and labels or targets as an HDF5Data file
#'
#' Caffe's `HDF5Data` layer reads real-valued examples of any shape, with class labels or with the
#' targets of a regression, from HDF5 files: one dataset per top of the layer (by default `data`
#' and `label`), one row per example. A net whose layers are `HDF5Data` names such files in its
#' `hdf5_data_param { source: }` (a text file that lists them, one per line, or one file) and
#' [rpudl()] reads them without a data source. Nothing is scaled or centred: write the values as
#' the net should see them.
#'
#' @param x The examples: a matrix with one example per row, or an array whose first dimension
#'   counts the examples.
#' @param y One class per example (whole numbers from 0, or a factor, stored as its codes from 0),
#'   a label map per example (an array whose first dimension counts the examples: a class per
#'   position, for a segmentation), or targets: a vector of one value per example, or a matrix
#'   (or array) of one row per example.
#' @param file The `.h5` file to write.
#' @param shape Optionally the shape of one example, such as `c(channels, height, width)`, when
#'   `x` holds each one as a row (in channel, row, column order).
#' @param data.name,label.name The names of the two datasets: the `HDF5Data` layer's tops.
#' @param extra Optionally further datasets, a named list of arrays (or vectors) whose first
#'   dimension counts the examples, for the layer's further tops in the list's order: a recurrent
#'   net's sequence continuation indicators `cont` (Caffe's RNN and LSTM layers, whose examples
#'   are timesteps of several streams: see [rpudl()]).
#' @return The file, invisibly.
#' @examples
#' x <- matrix(rnorm(400), 100, 4)
#' dir <- tempfile("hdf5")
#' dir.create(dir)
#' rpudlWriteHDF5(x, x %*% c(1, -2, 0.5, 1), file.path(dir, "train.h5"), label.name = "target")
#' writeLines("train.h5", file.path(dir, "train.txt"))
#' @export
rpudlWriteHDF5 <- function(x, y, file, shape = NULL, data.name = "data", label.name = "label",
                           extra = NULL) {
  if (anyNA(x) || anyNA(y)) rpud_abort("`x` and `y` must not contain NA: every value must be a number.")
  if (is.factor(y)) y <- as.integer(y) - 1L
  if (!is.null(extra)) {
    if (!is.list(extra) || is.null(names(extra)) || any(names(extra) == "")) {
      rpud_abort("`extra` must be a named list of arrays, one per further dataset (its name: the top's).")
    }
    converted <- lapply(names(extra), function(name) {
      if (anyNA(extra[[name]])) rpud_abort(sprintf("`extra$%s` must not contain NA.", name))
      as_py_array(extra[[name]], paste0("extra$", name))
    })
    names(converted) <- names(extra)
    extra <- converted
  }
  value <- rpud_call("write_hdf5", x = as_py_array(x, "x"), y = as_py_array(y, "y"),
                     path = path.expand(as_scalar_string(file, "file")),
                     shape = if (is.null(shape)) NULL else as_py_array(shape, "shape"),
                     data_name = as_scalar_string(data.name, "data.name"),
                     label_name = as_scalar_string(label.name, "label.name"), extra = extra)
  invisible(value)
}
