# Data sources of R's own arrays: a net reads them as it reads a file format's images, with no
# file written first.
mlp_prototxt <- function(dir, outputs, loss) {
  path <- file.path(dir, "mlp.prototxt")
  writeLines(c(
    'layer { name: "data" type: "MemoryData" top: "data" top: "label" memory_data_param { batch_size: 20 } }',
    'layer { name: "hidden" type: "InnerProduct" bottom: "data" top: "hidden"',
    '        inner_product_param { num_output: 16 weight_filler { type: "xavier" } } }',
    'layer { name: "relu" type: "ReLU" bottom: "hidden" top: "hidden" }',
    'layer { name: "out" type: "InnerProduct" bottom: "hidden" top: "out"',
    sprintf('        inner_product_param { num_output: %d weight_filler { type: "xavier" } } }', outputs),
    sprintf('layer { name: "loss" type: "%s" bottom: "out" bottom: "label" top: "loss" }', loss)), path)
  path
}

test_that("a classifier learns from a matrix and a factor of its classes", {
  set.seed(1)
  x <- matrix(rnorm(500 * 4), 500, 4)
  y <- factor(ifelse(x[, 1] - x[, 2] > 0, "up", "down"))
  ds <- rpudlCreateArrayDataSource(x[1:400, ], y[1:400], x[401:500, ], y[401:500])
  expect_output(print(ds), "arrays data source")
  expect_output(print(ds), "training: 400 examples, test: 100 examples, each 4, float32")
  classes <- summary(ds)
  expect_equal(as.character(classes$class), c("down", "up"))
  dir <- tempfile("arrays")
  dir.create(dir)
  model <- rpudl(mlp_prototxt(dir, 2L, "SoftmaxWithLoss"), data.source = ds)
  trained <- suppressMessages(rpudlTrain(model, batch = 20, iter = 300, learning.rate = 0.05))
  right <- mean(predict(trained, x[401:500, ]) == as.integer(y[401:500]) - 1L)
  expect_gt(right, 0.9)
})

test_that("a regression learns targets given as a matrix", {
  set.seed(2)
  x <- matrix(rnorm(400 * 4), 400, 4)
  targets <- x %*% matrix(rnorm(8), 4, 2)
  ds <- rpudlCreateArrayDataSource(x, targets)
  dir <- tempfile("arrays")
  dir.create(dir)
  model <- rpudl(mlp_prototxt(dir, 2L, "EuclideanLoss"), data.source = ds)
  trained <- suppressMessages(rpudlTrain(model, batch = 20, iter = 300, learning.rate = 0.02,
                                         display = 0))
  expect_lt(mean(tail(trained$cost.log, 20)), 0.1 * mean(head(trained$cost.log, 20)))
})

test_that("an array of grey images of whole numbers trains LeNet as images", {
  files <- make_mnist_dir(n_train = 6L, n_test = 3L)
  set.seed(3)
  images <- array(sample(0:255, 6 * 28 * 28, replace = TRUE), c(6, 28, 28))
  ds <- rpudlCreateArrayDataSource(images, 0:5)
  expect_output(print(ds), "1 x 28 x 28 \\(channels x height x width\\), uint8")
  suppressMessages(rpudlFindTrainingDataMean(ds))
  lenet <- file.path(path.package("rpud"), "rpudl", "lenet_train.prototxt")
  trained <- suppressMessages(rpudlTrain(rpudl(lenet, data.source = ds), batch = 2, iter = 3))
  expect_length(trained$cost.log, 3L)
  expect_length(predict(trained, images[1:2, , , drop = FALSE]), 2L)
})

test_that("arrays that cannot be a data source are R errors that say why", {
  x <- matrix(0, 4, 3)
  expect_error(rpudlCreateArrayDataSource(x, c(0, 1)), "y has 2 labels for 4 examples",
               class = "rpud_input_error")
  expect_error(rpudlCreateArrayDataSource(x, c(0, 1, NA, 1)), "`y` contains NA")
  expect_error(rpudlCreateArrayDataSource(x, c(0, 1, 0, 1), x[, 1:2], c(0, 1, 0, 1)),
               "test.x has examples of 2", class = "rpud_input_error")
  expect_error(rpudlCreateArrayDataSource(matrix("a", 2, 2), c(0, 1)), "must be numeric")
  expect_error(rpudlCreateArrayDataSource(x, c(0, 1, 0, 1), shape = c(2, 2)),
               "3 values per example, but shape 2 x 2 holds 4", class = "rpud_input_error")
})
