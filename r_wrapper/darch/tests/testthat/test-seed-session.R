# Seed 001's session, typed as the article types it, on the real engine.

inputs <- matrix(c(0, 0, 0, 1, 1, 0, 1, 1), ncol = 2, byrow = TRUE)
outputs <- matrix(c(0, 1, 1, 0), nrow = 4)

test_that("the seed's darch session runs and prints darch's lines", {
  set.seed(42)
  out <- capture_output(darch <- newDArch(c(2, 4, 1), batchSize = 2, genWeightFunc = generateWeights))
  expect_match(out, "INFO \\[[0-9-]+ [0-9:]+\\] Constructing a darch with 3 layers.")
  expect_match(out, "Construct new RBM instance with 2 visible and 4 hidden units.", fixed = TRUE)
  expect_match(out, "Construct new RBM instance with 4 visible and 1 hidden units.", fixed = TRUE)

  out <- capture_output(darch <- preTrainDArch(darch, inputs, maxEpoch = 1000))
  expect_match(out, "Starting the training of the rbm with 2 visible and 4 hidden units.", fixed = TRUE)
  expect_match(out, "Epoch 1000 error: [0-9.e-]+")
  expect_equal(dim(getLayerWeights(darch, 1)), c(3L, 4L))

  layers <- getLayers(darch)
  for (i in length(layers):1) {
    layers[[i]][[2]] <- sigmoidUnitDerivative
  }
  setLayers(darch) <- layers
  expect_identical(getLayerFunction(darch, 2), sigmoidUnitDerivative)  # the round trip
  setFineTuneFunction(darch) <- backpropagation
  out <- capture_output(darch <- fineTuneDArch(darch, inputs, outputs, maxEpoch = 1000))
  expect_match(out, "Epoch: 1000 of 1000")
  expect_match(out, "Train set Quadratic-Error [0-9.e-]+")

  darch <- getExecuteFunction(darch)(darch, inputs)
  outputs_darch <- getExecOutputs(darch)
  expect_length(outputs_darch, 2L)
  final <- outputs_darch[[2]]
  expect_equal(dim(final), c(4L, 1L))
  expect_true(all(final > 0 & final < 1))
  expect_identical(getExecOutput(darch), final)
})

test_that("set.seed makes a darch session reproducible, and darch objects are values", {
  run <- function() {
    set.seed(3)
    d <- newDArch(c(2, 3, 1), batchSize = 2, logLevel = WARN)
    preTrainDArch(d, inputs, maxEpoch = 20)
  }
  a <- run()
  b <- run()
  expect_identical(getLayerWeights(a, 1), getLayerWeights(b, 1))
  before <- getLayerWeights(a, 1)
  c <- fineTuneDArch(a, inputs, outputs, maxEpoch = 5)
  expect_identical(getLayerWeights(a, 1), before)
  expect_false(identical(getLayerWeights(c, 1), before))
  expect_length(getStats(c)$dataErrors, 5L)
})

test_that("a documented configuration learns XOR", {
  set.seed(7)
  d <- newDArch(c(2, 4, 1), batchSize = 4, logLevel = WARN)
  layers <- getLayers(d)
  for (i in seq_along(layers)) layers[[i]][[2]] <- sigmoidUnitDerivative
  setLayers(d) <- layers
  setFineTuneFunction(d) <- minimizeClassifier
  d <- fineTuneDArch(d, inputs, outputs, maxEpoch = 100)
  d <- getExecuteFunction(d)(d, inputs)
  expect_equal((getExecOutput(d) > 0.5) * 1, outputs)
})

test_that("every fine-tune function, unit function and error function works from R", {
  set.seed(1)
  d <- newDArch(c(2, 3, 2), batchSize = 4, logLevel = WARN)
  setLayerFunction(d, 1) <- tanhUnitDerivative
  setLayerFunction(d, 2) <- softmaxUnitDerivative
  targets <- cbind(outputs, 1 - outputs)
  for (tuner in list(backpropagation, rpropagation, minimizeClassifier, minimizeAutoencoder)) {
    setFineTuneFunction(d) <- tuner
    tuned <- fineTuneDArch(d, inputs, targets, maxEpoch = 3)
    expect_length(getStats(tuned)$dataErrors, 3L)
  }
  setErrorFunction(d) <- crossEntropyError
  d$logLevel <- INFO
  out <- capture_output(fineTuneDArch(d, inputs, targets, maxEpoch = 1))
  expect_match(out, "Train set Cross-Entropy-Error")
  expect_match(capture_output(fineTuneDArch(d, inputs, targets, maxEpoch = 1, method = "Rprop-")), "Epoch: 1 of 1")
  setErrorFunction(d) <- function(original, estimate) list("Absolute-Error", sum(abs(original - estimate)))
  expect_match(capture_output(fineTuneDArch(d, inputs, targets, maxEpoch = 1)), "Train set Absolute-Error [0-9.]+")
  step <- rpropagation(d, inputs, targets, method = "iRprop-")
  expect_false(identical(getLayerWeights(step, 1), getLayerWeights(d, 1)))
})

test_that("a unit function written in R is called back and matches the engine's", {
  my_sigmoid <- function(data, weights) {
    s <- 1 / (1 + exp(-data %*% weights))
    list(s, s * (1 - s))
  }
  set.seed(5)
  d <- newDArch(c(2, 4, 1), batchSize = 4, logLevel = WARN)
  setLayerFunction(d, 1) <- sigmoidUnitDerivative
  setLayerFunction(d, 2) <- sigmoidUnitDerivative
  mine <- d
  setLayerFunction(mine, 2) <- my_sigmoid
  a <- fineTuneDArch(d, inputs, outputs, maxEpoch = 3)
  b <- fineTuneDArch(mine, inputs, outputs, maxEpoch = 3)
  expect_equal(getLayerWeights(a, 2), getLayerWeights(b, 2), tolerance = 1e-12)
  expect_identical(getLayerFunction(b, 2), my_sigmoid)
})

test_that("saveDArch and loadDArch round-trip, and print tells what a darch holds", {
  set.seed(2)
  d <- preTrainDArch(newDArch(c(2, 4, 1), batchSize = 2, logLevel = WARN), inputs, maxEpoch = 3)
  base <- file.path(tempdir(), "seed-darch")
  expect_equal(saveDArch(d, base), paste0(base, ".net"))
  expect_identical(loadDArch(base), d)
  expect_output(print(d), "DArch with layers 2-4-1")
  expect_output(print(d), "pretrained: 3/3 epochs per RBM")
})

test_that("bad input gets a clear R error", {
  d <- newDArch(c(2, 4, 1), batchSize = 2, logLevel = WARN)
  expect_error(preTrainDArch(d, matrix(0, 4, 3)), "3 columns but the network's first layer has 2 units",
               class = "rpud_input_error")
  expect_error(preTrainDArch(d, matrix(NA_real_, 4, 2)), "NA, NaN or infinite", class = "rpud_input_error")
  expect_error(preTrainDArch(d, matrix("a", 4, 2)), "must be numeric", class = "rpud_input_error")
  expect_error(fineTuneDArch(d, inputs, matrix(0, 3, 1)), "4 rows", class = "rpud_input_error")
  expect_error(newDArch(c(2, 4, 1), batchSize = 0), "batchSize", class = "rpud_input_error")
  expect_error(setFineTuneFunction(d) <- function(...) NULL, "backpropagation", class = "rpud_input_error")
  expect_error(fineTuneDArch(d, inputs, outputs, method = "Rprop*"), NA)  # backprop ignores it
  setFineTuneFunction(d) <- rpropagation
  expect_error(fineTuneDArch(d, inputs, outputs, method = "Rprop*"), "iRprop", class = "rpud_input_error")
  expect_error(newRBM(2, 1, ff = TRUE), "newDArch\\(ff = TRUE\\)", class = "rpud_input_error")
  expect_error(preTrainDArch(list(), inputs), "newDArch", class = "rpud_input_error")
  big <- newDArch(c(2, 4, 1), batchSize = 10, logLevel = WARN)
  expect_s3_class(preTrainDArch(big, inputs, maxEpoch = 2), "DArch")  # darch 0.9.1 crashed here
})

test_that("DEBUG logging works (it crashed darch 0.9.1)", {
  capture_output(d <- newDArch(c(2, 2, 1), batchSize = 2, logLevel = DEBUG))
  out <- capture_output(preTrainDArch(d, inputs, maxEpoch = 1))
  expect_match(out, "DEBUG \\[.*\\] Epoch 1 batch 2 error")
})

test_that("the device of pretraining can be chosen, and CUDA without a GPU says why", {
  d <- newDArch(c(2, 3, 1), batchSize = 2, logLevel = WARN, precision = "single")
  expect_s3_class(preTrainDArch(d, inputs, maxEpoch = 2, device = "cpu"), "DArch")
  if (!isTRUE(rpudlInfo()$cuda$available)) {
    expect_error(preTrainDArch(d, inputs, device = "cuda"), class = "rpud_device_error")
  }
  double <- newDArch(c(2, 3, 1), batchSize = 2, logLevel = WARN)
  expect_error(preTrainDArch(double, inputs, device = "cuda"), "single precision", class = "rpud_input_error")
  expect_error(preTrainDArch(d, inputs, device = "tpu"), "cpu", class = "rpud_input_error")
})

test_that("ff = TRUE keeps the weights in files and trains as in memory", {
  build <- function(ff) {
    set.seed(11)
    newDArch(c(2, 4, 3, 1), batchSize = 2, logLevel = WARN, ff = ff,
             ffDir = if (ff) file.path(tempdir(), "ff-test") else NULL)
  }
  train <- function(d) {
    d <- preTrainDArch(d, inputs, maxEpoch = 4)
    for (i in 1:3) setLayerFunction(d, i) <- sigmoidUnitDerivative
    fineTuneDArch(d, inputs, outputs, maxEpoch = 4)
  }
  on_disk <- build(TRUE)
  expect_s3_class(getLayers(on_disk)[[1]][[1]], "rpud_disk_matrix")
  expect_true(file.exists(file.path(tempdir(), "ff-test", "layer3.npy")))
  expect_output(print(on_disk), "3 x 4 weights on disk")
  a <- train(on_disk)
  b <- train(build(FALSE))
  for (i in 1:3) expect_equal(getLayerWeights(a, i), getLayerWeights(b, i), tolerance = 1e-14)
  expect_identical(getLayerWeights(on_disk, 2), getLayerWeights(a, 2))  # copies share the files
  expect_equal(getExecOutput(runDArch(a, inputs)), getExecOutput(runDArch(b, inputs)), tolerance = 1e-12)

  w <- getLayerWeights(a, 3)
  setLayerWeights(a, 3) <- w * 2
  expect_equal(getLayerWeights(a, 3), w * 2)
  base <- file.path(tempdir(), "ff-saved")
  saveDArch(a, base)
  unlink(file.path(tempdir(), "ff-test"), recursive = TRUE)
  back <- loadDArch(base)
  expect_equal(getLayerWeights(back, 3), w * 2)
  expect_s3_class(fineTuneDArch(back, inputs, outputs, maxEpoch = 1), "DArch")
})

test_that("fine-tuning takes a device, and CUDA without a GPU says why", {
  d <- newDArch(c(2, 3, 1), batchSize = 2, logLevel = WARN, precision = "single")
  expect_s3_class(fineTuneDArch(d, inputs, outputs, maxEpoch = 2, device = "cpu"), "DArch")
  if (!isTRUE(rpudlInfo()$cuda$available)) {
    expect_error(fineTuneDArch(d, inputs, outputs, device = "cuda"), class = "rpud_device_error")
  }
})

test_that("summary tells what a darch holds", {
  set.seed(4)
  d <- newDArch(c(2, 4, 1), batchSize = 2, logLevel = WARN)
  d <- preTrainDArch(d, inputs, maxEpoch = 3)
  d <- fineTuneDArch(d, inputs, outputs, maxEpoch = 2)
  s <- summary(d)
  expect_equal(s$units, c(4L, 1L))
  expect_equal(s$inputs, c(2L, 4L))
  out <- capture_output(print(s))
  expect_match(out, "RBM 1: 3 epochs of pretraining, last reconstruction error")
  expect_match(out, "fine-tuning: 2 epochs with backpropagation, last training error")
})
