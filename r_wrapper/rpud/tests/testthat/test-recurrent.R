# Caffe's LSTM from R: sequences written by rpudlWriteHDF5() with their cont indicators as a third
# dataset, each row one timestep of several streams, trained and tested by rpudl()/rpudlTrain().
lstm_sequences <- function(dir, rows, file, seed) {
  set.seed(seed)
  streams <- 8
  x <- array(runif(rows * streams, -1, 1), c(rows, streams, 1))
  step <- (seq_len(rows) - 1) %% 3  # sequences of 3 timesteps
  first <- seq_len(rows) - step
  label <- matrix(as.numeric(x[first, , 1] > 0), rows, streams)  # did the sequence start above 0?
  cont <- matrix(as.numeric(step > 0), rows, streams)
  rpudlWriteHDF5(x, label, file.path(dir, file), extra = list(cont = cont))
}

lstm_net <- function(dir) {
  for (phase in c("TRAIN", "TEST")) {
    lines <- sprintf(paste(
      'layer { name: "data" type: "HDF5Data" top: "data" top: "label" top: "cont" include { phase: %s }',
      'hdf5_data_param { source: "%s.h5" batch_size: 6 } }'), phase, tolower(phase))
    if (phase == "TRAIN") data <- lines else data <- c(data, lines)
  }
  prototxt <- file.path(dir, "lstm.prototxt")
  writeLines(c(data,
    'layer { name: "lstm" type: "LSTM" bottom: "data" bottom: "cont" top: "h"',
    '        recurrent_param { num_output: 8 weight_filler { type: "uniform" min: -0.3 max: 0.3 } } }',
    'layer { name: "score" type: "InnerProduct" bottom: "h" top: "score"',
    '        inner_product_param { num_output: 2 axis: 2 weight_filler { type: "gaussian" std: 0.3 } } }',
    'layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "label" top: "loss"',
    '        softmax_param { axis: 2 } }',
    'layer { name: "accuracy" type: "Accuracy" bottom: "score" bottom: "label" top: "accuracy"',
    '        accuracy_param { axis: 2 } include { phase: TEST } }'), prototxt)
  prototxt
}

test_that("an LSTM learns to remember from HDF5 sequences with their cont indicators", {
  dir <- tempfile("lstm")
  dir.create(dir)
  lstm_sequences(dir, 240, "train.h5", 1)
  lstm_sequences(dir, 60, "test.h5", 2)
  model <- rpudl(lstm_net(dir))
  expect_output(print(model), "LSTM")
  trained <- suppressMessages(rpudlTrain(model, batch = 6, iter = 600, learning.rate = 0.5, momentum = 0,
                                         weight.decay = 0, display = 0, test.interval = 600))
  expect_gte(tail(trained$test.log$accuracy, 1), 0.95)
  expect_error(predict(trained, array(0, c(6, 8, 1))), "also gives 'cont'.*TEST data only",
               class = "rpud_input_error")

  # the trained weights in a deploy net of two inputs, fed a named list
  weights <- rpudlSaveModel(trained, file.path(dir, "lstm.caffemodel"))
  deploy <- file.path(dir, "deploy.prototxt")
  writeLines(c(
    'layer { name: "in" type: "Input" top: "data" top: "cont"',
    '        input_param { shape { dim: [6, 8, 1] } shape { dim: [6, 8] } } }',
    'layer { name: "lstm" type: "LSTM" bottom: "data" bottom: "cont" top: "h" recurrent_param { num_output: 8 } }',
    'layer { name: "score" type: "InnerProduct" bottom: "h" top: "score" inner_product_param { num_output: 2 axis: 2 } }',
    'layer { name: "prob" type: "Softmax" bottom: "score" top: "prob" softmax_param { axis: 2 } }'), deploy)
  deployed <- suppressMessages(rpudl(deploy, weights = weights))
  set.seed(3)
  x <- array(runif(12 * 8, -1, 1), c(12, 8, 1))
  step <- (0:11) %% 3
  cont <- matrix(as.numeric(step > 0), 12, 8)
  truth <- matrix(as.integer(x[1:12 - step, , 1] > 0), 12, 8)
  prob <- rpudlExtractFeatures(deployed, list(data = x, cont = cont), "prob")
  expect_equal(dim(prob), c(12, 8, 2))
  expect_gt(mean((prob[, , 2] > 0.5) == truth), 0.9)
  expect_error(predict(deployed, list(data = x, cont = cont)), "holds classes along axis 2",
               class = "rpud_input_error")
  expect_error(rpudlExtractFeatures(deployed, x, "prob"), "several inputs \\(data, cont\\)",
               class = "rpud_input_error")
  expect_error(rpudlExtractFeatures(deployed, list(x, cont), "prob"), "needs a name for each array")

  # one timestep at a time: expose_hidden, the states fed back from R
  step <- file.path(dir, "step.prototxt")
  writeLines(c(
    'layer { name: "in" type: "Input" top: "data" top: "cont" top: "h_0" top: "c_0"',
    '        input_param { shape { dim: [1, 8, 1] } shape { dim: [1, 8] } shape { dim: [1, 8, 8] }',
    '                      shape { dim: [1, 8, 8] } } }',
    'layer { name: "lstm" type: "LSTM" bottom: "data" bottom: "cont" bottom: "h_0" bottom: "c_0"',
    '        top: "h" top: "h_T" top: "c_T" recurrent_param { num_output: 8 expose_hidden: true } }',
    'layer { name: "score" type: "InnerProduct" bottom: "h" top: "score" inner_product_param { num_output: 2 axis: 2 } }',
    'layer { name: "prob" type: "Softmax" bottom: "score" top: "prob" softmax_param { axis: 2 } }'), step)
  stepper <- suppressMessages(rpudl(step, weights = weights))
  h <- c <- array(0, c(1, 8, 8))
  for (t in 1:12) {
    feed <- list(data = x[t, , , drop = FALSE], cont = cont[t, , drop = FALSE], h_0 = h, c_0 = c)
    expect_equal(rpudlExtractFeatures(stepper, feed, "prob")[1, , ], prob[t, , ], tolerance = 1e-5)
    h <- rpudlExtractFeatures(stepper, feed, "h_T")
    c <- rpudlExtractFeatures(stepper, feed, "c_T")
  }
})

test_that("rpudlWriteHDF5's further datasets must be named and complete", {
  dir <- tempfile("lstm")
  dir.create(dir)
  x <- matrix(0, 4, 2)
  expect_error(rpudlWriteHDF5(x, 1:4, file.path(dir, "a.h5"), extra = list(1:4)), "named list")
  expect_error(rpudlWriteHDF5(x, 1:4, file.path(dir, "a.h5"), extra = list(cont = c(1, NA, 1, 1))),
               "extra\\$cont` must not contain NA")
  expect_error(rpudlWriteHDF5(x, 1:4, file.path(dir, "a.h5"), extra = list(cont = 1:3)),
               "as many rows: data 4, label 4, cont 3", class = "rpud_input_error")
  expect_error(rpudlWriteHDF5(x, 1:4, file.path(dir, "a.h5"), extra = list(label = 1:4)), "'label' is taken",
               class = "rpud_input_error")
})
