# Caffe's HDF5Data layer from R: files written by rpudlWriteHDF5(), named by the net, which
# rpudl() reads without a data source.
hdf5_regression <- function(dir) {
  set.seed(1)
  map <- matrix(c(1, 0.5, 0, 1, 0, -1, 2, 1), 4, 2)
  x <- matrix(rnorm(400), 100, 4)
  test <- matrix(rnorm(80), 20, 4)
  rpudlWriteHDF5(x, x %*% map, file.path(dir, "train.h5"), label.name = "target")
  rpudlWriteHDF5(test, test %*% map, file.path(dir, "test.h5"), label.name = "target")
  writeLines("train.h5", file.path(dir, "train.txt"))
  writeLines("test.h5", file.path(dir, "test.txt"))
  prototxt <- file.path(dir, "regression.prototxt")
  writeLines(c(
    'layer { name: "data" type: "HDF5Data" top: "data" top: "target" include { phase: TRAIN }',
    '        hdf5_data_param { source: "train.txt" batch_size: 10 } }',
    'layer { name: "data" type: "HDF5Data" top: "data" top: "target" include { phase: TEST }',
    '        hdf5_data_param { source: "test.txt" batch_size: 10 } }',
    'layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc"',
    '        inner_product_param { num_output: 2 weight_filler { type: "gaussian" std: 0.01 } } }',
    'layer { name: "loss" type: "EuclideanLoss" bottom: "fc" bottom: "target" top: "loss" }'), prototxt)
  list(prototxt = prototxt, test = test, want = test %*% map)
}

test_that("a net of HDF5Data layers trains on the files it names, without a data source", {
  dir <- tempfile("hdf5")
  dir.create(dir)
  net <- hdf5_regression(dir)
  model <- rpudl(net$prototxt)
  expect_output(print(model), "rpudl model")
  trained <- suppressMessages(rpudlTrain(model, batch = 10, iter = 300, learning.rate = 0.05, display = 100,
                                         test.interval = 300))
  expect_lt(tail(trained$cost.log, 1), 1e-3 * trained$cost.log[1])
  expect_lt(tail(trained$test.log$cost, 1), 1e-3)
  found <- rpudlExtractFeatures(trained, net$test, "fc")
  expect_equal(found, net$want, tolerance = 1e-2, ignore_attr = TRUE)
  writeLines("nothing.h5", file.path(dir, "test.txt"))
  expect_error(rpudl(net$prototxt), "test.txt lists nothing.h5, which is neither there nor beside",
               class = "rpud_input_error")
})

test_that("rpudlWriteHDF5 writes classes, shapes and names a classifier reads, and refuses bad input", {
  dir <- tempfile("hdf5")
  dir.create(dir)
  x <- matrix((1:48) / 48, 4, 12)
  y <- factor(c("b", "a", "b", "c"))
  file <- rpudlWriteHDF5(x, y, file.path(dir, "train.h5"), shape = c(3, 2, 2), data.name = "pixels")
  expect_identical(file, file.path(dir, "train.h5"))
  prototxt <- file.path(dir, "net.prototxt")
  writeLines(c(
    'layer { name: "in" type: "HDF5Data" top: "pixels" top: "label" hdf5_data_param { source: "train.h5" } }',
    'layer { name: "fc" type: "InnerProduct" bottom: "pixels" top: "fc" inner_product_param { num_output: 3 } }',
    'layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }'), prototxt)
  model <- rpudl(prototxt)
  expect_output(print(model), "examples of 3 x 2 x 2 values")
  expect_error(rpudlWriteHDF5(x, 1:3, file.path(dir, "bad.h5")), "as many rows: data 4, label 3",
               class = "rpud_input_error")
  expect_error(rpudlWriteHDF5(x, c(1, NA, 2, 3), file.path(dir, "bad.h5")), "must not contain NA")
  expect_error(rpudlWriteHDF5(x, y, file.path(dir, "bad.h5"), shape = c(5, 5)), "product is the 12 values",
               class = "rpud_input_error")
  expect_error(rpudlWriteHDF5(x, y, file.path(dir, "no", "such.h5")), "folder .* does not exist",
               class = "rpud_input_error")
  expect_false(file.exists(file.path(dir, "bad.h5")))
})

test_that("label maps from R train a segmentation that scores every pixel", {
  dir <- tempfile("maps")
  dir.create(dir)
  set.seed(2)
  x <- array(rnorm(40 * 16), c(40, 1, 4, 4))
  maps <- array(as.integer(x[, 1, , ] > 0), c(40, 4, 4))
  rpudlWriteHDF5(x, maps, file.path(dir, "maps.h5"))
  prototxt <- file.path(dir, "segmentation.prototxt")
  writeLines(c(
    'layer { name: "in" type: "HDF5Data" top: "data" top: "label" hdf5_data_param { source: "maps.h5" batch_size: 8 } }',
    'layer { name: "score" type: "Convolution" bottom: "data" top: "score"',
    '        convolution_param { num_output: 2 kernel_size: 1 weight_filler { type: "gaussian" std: 0.1 } } }',
    'layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "label" top: "loss" }'), prototxt)
  model <- rpudl(prototxt)
  expect_output(print(model), "examples of 1 x 4 x 4 values, label maps of 4 x 4")
  trained <- suppressMessages(rpudlTrain(model, batch = 8, iter = 60, learning.rate = 0.5, display = 0))
  scores <- rpudlExtractFeatures(trained, x, "score")
  expect_identical(dim(scores), c(40L, 2L, 4L, 4L))
  expect_gt(mean((scores[, 2, , ] > scores[, 1, , ]) == (maps == 1)), 0.95)
  expect_error(predict(trained, x), "scores 2 classes at each of 4 x 4 positions", class = "rpud_input_error")
})

test_that("an Embed net learns classes of words (indices in HDF5 files) and predicts them", {
  dir <- tempfile("words")
  dir.create(dir)
  words <- matrix(rep(0:9, 20), ncol = 1)  # word indices, one per example
  rpudlWriteHDF5(words, factor(words %% 3), file.path(dir, "words.h5"))
  writeLines("words.h5", file.path(dir, "words.txt"))
  prototxt <- file.path(dir, "words.prototxt")
  writeLines(c(
    'layer { name: "data" type: "HDF5Data" top: "data" top: "label"',
    '        hdf5_data_param { source: "words.txt" batch_size: 20 } }',
    'layer { name: "embed" type: "Embed" bottom: "data" top: "vector"',
    '        embed_param { num_output: 4 input_dim: 10 weight_filler { type: "gaussian" std: 0.1 } } }',
    'layer { name: "score" type: "InnerProduct" bottom: "vector" top: "score"',
    '        inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.1 } } }',
    'layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "label" top: "loss" }'), prototxt)
  model <- rpudl(prototxt)
  trained <- suppressMessages(rpudlTrain(model, batch = 20, iter = 300, learning.rate = 0.1, display = 0))
  expect_equal(predict(trained, matrix(0:9, ncol = 1)), (0:9) %% 3)
  expect_equal(dim(rpudlGetLayerWeights(trained, "embed")), c(10L, 4L))
  expect_error(predict(trained, matrix(10, ncol = 1)), "whole numbers from 0 to 9", class = "rpud_input_error")
})
