#' Write images and labels to an LMDB database
#'
#' Stores each image as a `Datum` record under the keys `00000000`, `00000001`, ..., as Caffe's
#' convert tools do, so that [rpudlCreateDataSource()] (with `data.format = "lmdb"`) and Caffe
#' can read it.
#'
#' @param x The images: a matrix with one image per row (pixels in channel, row, column order,
#'   with `shape` given), or an array of dimensions `c(n, channels, height, width)`. Values are
#'   whole numbers from 0 to 255.
#' @param y The labels: whole numbers from 0, or a factor (stored as its codes from 0).
#' @param path The database folder to create; it must not exist yet.
#' @param shape `c(channels, height, width)` when `x` is a matrix.
#' @param format `"caffe"` (Caffe's `Datum`, which records the shape) or `"rpudl"` (rpudl's
#'   `Datum`: `bytes data = 1; uint32 label = 2`).
#' @return The path of the database, invisibly.
#' @examples
#' x <- matrix(sample(0:255, 4 * 784, replace = TRUE), nrow = 4)
#' train <- file.path(tempdir(), "my_train_lmdb")
#' rpudlWriteLMDB(x, c(3, 1, 4, 1), train, shape = c(1, 28, 28))
#' test <- file.path(tempdir(), "my_test_lmdb")
#' rpudlWriteLMDB(x[1:2, ], c(3, 1), test, shape = c(1, 28, 28))
#' rpudlCreateDataSource("lmdb", tempdir(), train.db = train, test.db = test)
#' @export
rpudlWriteLMDB <- function(x, y, path, shape = NULL, format = c("caffe", "rpudl")) {
  format <- match_choice(format, "format", c("caffe", "rpudl"))
  value <- rpud_call("write_lmdb", x = as_py_array(x, "x"), y = as_py_labels(y, "y"),
                     path = path.expand(as_scalar_string(path, "path")),
                     shape = if (is.null(shape)) NULL else as_py_array(shape, "shape"),
                     kind = format)
  invisible(value)
}

#' Convert a data source to LMDB databases
#'
#' Writes the training and the test set of a data source as two LMDB databases,
#' `<format>_train_lmdb` and `<format>_test_lmdb`, in `dir` (as Caffe's `convert_cifar_data`
#' and `convert_mnist_data` do).
#'
#' @param ds A data source from [rpudlCreateDataSource()].
#' @param dir The folder to write the two databases in.
#' @param format `"caffe"` or `"rpudl"` `Datum` records (see [rpudlWriteLMDB()]).
#' @return The paths of the two databases, invisibly.
#' @examples
#' # a small data source (four images written as LMDB), converted again in rpudl's Datum format
#' x <- matrix(sample(0:255, 4 * 784, replace = TRUE), nrow = 4)
#' small <- file.path(tempdir(), "small")
#' rpudlWriteLMDB(x, c(3, 1, 4, 1), file.path(small, "train_lmdb"), shape = c(1, 28, 28))
#' rpudlWriteLMDB(x[1:2, ], c(3, 1), file.path(small, "test_lmdb"), shape = c(1, 28, 28))
#' ds <- rpudlCreateDataSource("lmdb", small)
#' rpudlConvertToLMDB(ds, file.path(tempdir(), "converted"), format = "rpudl")
#' \dontrun{
#' # all 70,000 Fashion-MNIST images: about 60 MB
#' rpudlConvertToLMDB(rpudlCreateDataSource("fashion-mnist", "data/fashion"), "data/fashion-lmdb")
#' }
#' @export
rpudlConvertToLMDB <- function(ds, dir, format = c("caffe", "rpudl")) {
  check_data_source(ds)
  format <- match_choice(format, "format", c("caffe", "rpudl"))
  paths <- rpud_call("convert_to_lmdb", source = ds$py,
                     folder = path.expand(as_scalar_string(dir, "dir")), kind = format)
  invisible(unlist(paths))
}
