test_that("the seed's data steps run on MNIST-format files", {
  files <- make_mnist_dir()
  ds <- rpudlCreateDataSource(data.format = "mnist", data.dir = files$dir)
  expect_s3_class(ds, "rpudl_data_source")
  expect_output(print(ds), "training: 5 images, test: 3 images, each 1 x 28 x 28")

  expect_message(path <- rpudlFindTrainingDataMean(ds, filename = "mnist-data.mean"), "computing the mean")
  expect_equal(normalizePath(path), normalizePath(file.path(files$dir, "mnist-data.mean")))
  expect_output(print(ds), "mean image from")  # the data source remembers it

  obj <- rpudlGetTestingDataSamples(ds, c(2, 3))
  expect_equal(dim(obj$x), c(2L, 784L))
  expect_equal(obj$x, files$test[2:3, ])  # one row per image, pixels in row order
  expect_identical(obj$y, c(2L, 9L))
})

test_that("bad data source calls are classed R errors that say what to do", {
  files <- make_mnist_dir()
  ds <- rpudlCreateDataSource("mnist", files$dir)
  expect_error(rpudlGetTestingDataSamples(ds, c(0, 2)), "count from 1", class = "rpud_input_error")
  expect_error(rpudlGetTestingDataSamples(ds, c(1, 4)), "only 3 items", class = "rpud_input_error")
  expect_error(rpudlCreateDataSource("imagenet", files$dir), "must be one of", class = "rpud_input_error")
  expect_error(rpudlCreateDataSource("mnist"), "data.dir", class = "rpud_input_error")
  expect_error(rpudlCreateDataSource("cifar10", files$dir, download = FALSE), "Download https://",
               class = "rpud_input_error")
  expect_error(rpudlFindTrainingDataMean(list(), "x"), "rpudlCreateDataSource", class = "rpud_input_error")
  unlink(file.path(files$dir, "t10k-labels-idx1-ubyte"))
  expect_error(rpudlCreateDataSource("mnist", files$dir, download = FALSE), "t10k-labels-idx1-ubyte",
               class = "rpud_input_error")
})

test_that("Fashion-MNIST is found in Debian's package when the folder is empty", {
  skip_if_not(dir.exists("/usr/share/datasets/fashion-mnist"), "dataset-fashion-mnist is not installed")
  ds <- rpudlCreateDataSource(data.format = "fashion-mnist", data.dir = tempfile("fashion"))
  expect_output(print(ds), "training: 60000 images, test: 10000 images")
  expect_length(rpudlGetTestingDataSamples(ds, c(1, 12))$y, 12L)
})

test_that("a saved mean is loaded again, and one of another shape is refused", {
  files <- make_mnist_dir()
  ds <- rpudlCreateDataSource("mnist", files$dir)
  suppressMessages(rpudlFindTrainingDataMean(ds, "m.mean"))
  fresh <- rpudlCreateDataSource("mnist", files$dir)
  expect_output(print(fresh), "no mean image yet")
  rpudlLoadTrainingDataMean(fresh, "m.mean")
  expect_output(print(fresh), "mean image from")
  lmdb_dir <- tempfile("rgb")
  rpudlWriteLMDB(matrix(0, 2, 12), 0:1, file.path(lmdb_dir, "a_train_lmdb"), shape = c(3, 2, 2))
  rpudlWriteLMDB(matrix(0, 2, 12), 0:1, file.path(lmdb_dir, "a_test_lmdb"), shape = c(3, 2, 2))
  rgb <- rpudlCreateDataSource("lmdb", lmdb_dir)
  expect_error(rpudlLoadTrainingDataMean(rgb, file.path(files$dir, "m.mean")),
               "1 x 28 x 28 but this data source's images are 3 x 2 x 2", class = "rpud_input_error")
})

test_that("summary counts the images of each class", {
  files <- make_mnist_dir(n_train = 6L, n_test = 3L)
  s <- summary(rpudlCreateDataSource("mnist", files$dir))
  expect_equal(s$label, 0:9)
  expect_equal(sum(s$training), 6)
  expect_equal(s$test[s$label %in% c(2, 4, 9)], c(1, 1, 1))
  expect_output(print(s), "mnist data source")
})

test_that("pairs of images make a siamese net's data, and the net trains on them", {
  files <- make_mnist_dir(n_train = 8L, n_test = 3L)
  ds <- rpudlCreateDataSource("mnist", files$dir)
  pairs <- rpudlCreatePairDataSource(ds, seed = 2L)
  expect_output(print(pairs), "2 classes, 0..1 \\(dissimilar, similar\\)")
  expect_output(print(pairs), "each 2 x 28 x 28")
  expect_error(rpudlCreatePairDataSource("nope"), "data source", class = "rpud_input_error")
  net <- file.path(path.package("rpud"), "rpudl", "siamese_train.prototxt")
  model <- suppressMessages(rpudlTrain(rpudl(net, pairs), batch = 4, iter = 2, display = 0))
  expect_length(model$cost.log, 2L)
  expect_equal(rpudlGetLayerWeights(model, "conv1"), rpudlGetLayerWeights(model, "conv1_p"))
  obj <- rpudlGetTestingDataSamples(pairs, c(1, 2))
  expect_equal(dim(rpudlExtractFeatures(model, obj$x, "feat")), c(2L, 2L))
})
