#' Create a data source
#'
#' Opens a training and a test set of images with their labels. The images stay in the
#' engine (as bytes, memory-mapped where the format allows); R holds a reference.
#'
#' @param data.format `"cifar10"` (CIFAR-10's binary version: `data_batch_1.bin` ...
#'   `data_batch_5.bin` and `test_batch.bin`, in `data.dir` or in its `cifar-10-batches-bin`
#'   folder), `"mnist"` or `"fashion-mnist"` (the four IDX files under their standard names,
#'   gzipped or not; for Fashion-MNIST, Debian's `dataset-fashion-mnist` copy is used when
#'   `data.dir` has none), or `"lmdb"` (two LMDB databases of `Datum` records, Caffe's or
#'   rpudl's; see [rpudlWriteLMDB()]; Caffe's may hold encoded PNG or JPEG images, as
#'   `convert_imageset --encoded` writes them, decoded as Caffe's Data layer does: colour in
#'   OpenCV's blue, green, red channel order).
#' @param data.dir The folder of the data files; mean files are written here too.
#' @param download When the files of CIFAR-10 or MNIST are not in `data.dir`, download them
#'   there from their known location (checked against their size and MD5), showing progress.
#' @param train.db,test.db For `"lmdb"`: the training and test databases. By default, the two
#'   folders of `data.dir` whose names contain "train" and "test".
#' @param shape For `"lmdb"` with rpudl's `Datum` records, which carry no shape:
#'   `c(channels, height, width)`.
#' @param shuffle Read the training images in a new random order each epoch (drawn from
#'   `seed`). By default they are read in order, as Caffe does.
#' @param seed The seed of the shuffled order.
#' @return A data source (class `rpudl_data_source`). It is a reference: functions that add to
#'   it, such as [rpudlFindTrainingDataMean()], change it in place.
#' @examples
#' # Fashion-MNIST: Debian's dataset-fashion-mnist files when the folder holds none
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' ds
#' \dontrun{
#' # CIFAR-10 is downloaded (170 MB) into the folder on first use
#' ds <- rpudlCreateDataSource(data.format = "cifar10", data.dir = "data/cifar")
#' }
#' @export
rpudlCreateDataSource <- function(data.format = c("cifar10", "mnist", "fashion-mnist", "lmdb"),
                                  data.dir, download = TRUE, train.db = NULL, test.db = NULL,
                                  shape = NULL, shuffle = FALSE, seed = 0L) {
  data.format <- match_choice(data.format, "data.format",
                              c("cifar10", "mnist", "fashion-mnist", "lmdb"))
  if (missing(data.dir)) {
    rpud_abort("`data.dir` is missing: name the folder that holds (or will hold) the data files.")
  }
  py <- rpud_call("create_data_source", data_format = data.format,
                  data_dir = path.expand(as_scalar_string(data.dir, "data.dir")),
                  download = isTRUE(download), report = rpud_reporter(),
                  train_db = optional_path(train.db, "train.db"),
                  test_db = optional_path(test.db, "test.db"),
                  shape = if (is.null(shape)) NULL else as_py_array(shape, "shape"),
                  shuffle = isTRUE(shuffle), seed = as.integer(seed))
  structure(list(py = py), class = "rpudl_data_source")
}

#' Pairs of images for a siamese net
#'
#' Makes the data that Caffe's siamese example trains on (its `convert_mnist_siamese_data`):
#' for each training image and each test image, a pair drawn at random from the same set, stacked
#' as one image with twice the channels (the first image's, then the second's), labelled 1 when
#' the two share a class and 0 otherwise. A net slices each pair apart again (a `Slice` layer) and
#' runs both halves through towers that share their weights, into a `ContrastiveLoss`; see
#' `siamese_train.prototxt` in rpud's `rpudl` folder.
#'
#' @param data.source A data source from [rpudlCreateDataSource()].
#' @param seed The seed of the random pairs.
#' @return A data source (class `rpudl_data_source`) of as many pairs as `data.source` has images.
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' pairs <- rpudlCreatePairDataSource(ds)
#' pairs
#' @export
rpudlCreatePairDataSource <- function(data.source, seed = 0L) {
  check_data_source(data.source)
  py <- rpud_call("pair_data_source", source = data.source$py, seed = as.integer(seed))
  structure(list(py = py), class = "rpudl_data_source")
}

#' A data source from R arrays
#'
#' Makes a data source of examples held in R, with no file written first: a net's `Data` layer
#' (or Caffe's `MemoryData`, made for data in memory) reads them as it reads a file format's
#' images, `transform_param` and `batch_size` included.
#'
#' @param x The training examples, one per row (the first index): a matrix of rows of values
#'   (with `shape`, rows of pixels in channel, height, width order, as
#'   [rpudlGetTestingDataSamples()] gives them), an array `c(n, height, width)` of grey images, or
#'   an array `c(n, channels, height, width)`. Images of whole numbers from 0 to 255 (integers or
#'   raw bytes) are kept as bytes, as images from files are; other values in single precision.
#' @param y Their labels: a factor (its levels name the classes), whole numbers counting from 0
#'   (as [predict()] returns classes), a matrix with a row of targets per example (a regression's
#'   `EuclideanLoss`), or `NULL` (a net without labels, such as an autoencoder).
#' @param test.x,test.y Optionally test examples and their labels, alike.
#' @param shape For rows of values: one example's shape, such as `c(channels, height, width)`.
#' @param data.dir Where mean files go ([rpudlFindTrainingDataMean()]).
#' @param shuffle,seed As for [rpudlCreateDataSource()].
#' @return A data source (class `rpudl_data_source`).
#' @examples
#' set.seed(1)
#' x <- matrix(rnorm(200 * 4), 200, 4)
#' y <- factor(ifelse(x[, 1] + x[, 2] > 0, "up", "down"))
#' ds <- rpudlCreateArrayDataSource(x[1:150, ], y[1:150], x[151:200, ], y[151:200])
#' ds
#' @export
rpudlCreateArrayDataSource <- function(x, y = NULL, test.x = NULL, test.y = NULL, shape = NULL,
                                       data.dir = tempfile("rpudl-arrays"), shuffle = FALSE, seed = 0L) {
  examples <- function(v, arg) {
    if (is.null(v)) return(NULL)
    if (is.raw(v)) v <- array(as.integer(v), dim = if (is.null(dim(v))) length(v) else dim(v))
    as_py_array(v, arg)
  }
  labels <- function(v, arg) {  # a matrix holds targets; a vector or a factor, classes
    if (is.null(v)) return(NULL)
    if (is.matrix(v) || (is.array(v) && length(dim(v)) > 1L)) return(as_py_array(v, arg))
    as_py_labels(v, arg)
  }
  py <- rpud_call("array_data_source", x = examples(x, "x"), y = labels(y, "y"),
                  test_x = examples(test.x, "test.x"), test_y = labels(test.y, "test.y"),
                  shape = if (is.null(shape)) NULL else as_py_array(shape, "shape"),
                  data_dir = path.expand(as_scalar_string(data.dir, "data.dir")),
                  shuffle = isTRUE(shuffle), seed = as.integer(seed))
  structure(list(py = py), class = "rpudl_data_source")
}

#' Compute the mean image of the training data
#'
#' Computes the per-pixel mean of all training images and saves it in Caffe's binary
#' `BlobProto` format (as Caffe's `mean.binaryproto`) inside the data source's folder. The data
#' source remembers it; models built on it subtract it from every image.
#'
#' @param ds A data source from [rpudlCreateDataSource()].
#' @param filename The name of the mean file, inside the data source's folder.
#' @return The path of the mean file, invisibly.
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")
#' @export
rpudlFindTrainingDataMean <- function(ds, filename = "mean.binaryproto") {
  check_data_source(ds)
  path <- rpud_call("find_training_data_mean", source = ds$py,
                    filename = as_scalar_string(filename, "filename"), report = rpud_reporter())
  invisible(path)
}

#' Use a saved mean image
#'
#' Makes a data source use a mean image saved earlier by [rpudlFindTrainingDataMean()], or by
#' Caffe (`mean.binaryproto`), instead of computing it again.
#'
#' @param ds A data source from [rpudlCreateDataSource()].
#' @param filename The mean file: a path, or a name inside the data source's folder.
#' @return The path of the mean file, invisibly.
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' file <- rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")
#' rpudlLoadTrainingDataMean(ds, file)
#' @export
rpudlLoadTrainingDataMean <- function(ds, filename) {
  check_data_source(ds)
  path <- rpud_call("load_training_data_mean", source = ds$py,
                    filename = path.expand(as_scalar_string(filename, "filename")))
  invisible(path)
}

#' Get samples of the test data
#'
#' @param ds A data source from [rpudlCreateDataSource()].
#' @param range `c(from, to)`: the positions of the first and last test sample, counting from 1.
#' @return A list with `x`, an integer matrix with one row per sample holding its pixels
#'   (0 to 255, in channel, row, column order), and `y`, the samples' labels (0-based classes).
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' obj <- rpudlGetTestingDataSamples(ds, c(1, 12))
#' dim(obj$x)
#' obj$y
#' @export
rpudlGetTestingDataSamples <- function(ds, range) {
  check_data_source(ds)
  value <- rpud_call("testing_data_samples", source = ds$py, range = as_py_range(range, "range"))
  list(x = value$x, y = as.integer(as.vector(value$y)))
}

#' @export
print.rpudl_data_source <- function(x, ...) {
  cat(rpud_call("data_source_summary", source = x$py), "\n", sep = "")
  invisible(x)
}

check_data_source <- function(ds) {
  if (!inherits(ds, "rpudl_data_source")) {
    rpud_abort(c("`ds` must be a data source.", i = "Create one with rpudlCreateDataSource()."),
               call = sys.call(-1L))
  }
}

optional_path <- function(x, arg) {
  if (is.null(x)) NULL else path.expand(as_scalar_string(x, arg))
}

#' Summarise a data source
#'
#' @param object A data source from [rpudlCreateDataSource()].
#' @param ... Unused.
#' @return A data frame with each class (label 0, 1, ...), its name, and its numbers of training
#'   and test images; printed after the data source's description.
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' summary(ds)
#' @export
summary.rpudl_data_source <- function(object, ...) {
  value <- rpud_call("data_source_classes", source = object$py)
  classes <- data.frame(label = seq_along(value$class) - 1L, class = unlist(value$class),
                        training = unlist(value$training), test = unlist(value$test))
  structure(classes, class = c("summary_rpudl_data_source", "data.frame"), source = object)
}

#' @export
print.summary_rpudl_data_source <- function(x, ...) {
  print(attr(x, "source"))
  print(structure(x, class = "data.frame", source = NULL), row.names = FALSE)
  invisible(x)
}
