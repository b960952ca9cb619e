lenet_file <- function() file.path(path.package("rpud"), "rpudl", "lenet_train.prototxt")

test_that("the seed's model steps run: rpudl, rpudlTrain, predict, cost.log, layer weights", {
  files <- make_mnist_dir(n_train = 6L, n_test = 3L)
  ds <- rpudlCreateDataSource("mnist", files$dir)
  model <- rpudl(lenet_file(), data.source = ds)
  expect_s3_class(model, "rpudl_model")
  expect_output(print(model), "431080 parameters, 0 iterations trained")

  expect_message(trained <- rpudlTrain(model, batch = 2, iter = 4, display = 2),
                 "training @iter 2, cost")
  expect_length(trained$cost.log, 4L)
  expect_length(model$cost.log, 0L)  # models are values: the first one is unchanged
  again <- suppressMessages(rpudlTrain(trained, batch = 2, iter = 2, learning.rate = 1e-4))
  expect_length(again$cost.log, 6L)  # resumes, keeping the log

  obj <- rpudlGetTestingDataSamples(ds, c(1, 3))
  res <- predict(again, obj$x)
  expect_type(res, "integer")
  expect_length(res, 3L)
  prob <- predict(again, obj$x, type = "prob")
  expect_equal(dim(prob), c(3L, 10L))
  expect_equal(rowSums(prob), rep(1, 3), tolerance = 1e-5)
  expect_equal(dim(rpudlGetLayerWeights(again, "conv1")), c(20L, 1L, 5L, 5L))
})

test_that("training ends with the seed's summary line", {
  files <- make_mnist_dir()
  model <- rpudl(lenet_file(), rpudlCreateDataSource("mnist", files$dir))
  messages <- capture_messages(rpudlTrain(model, batch = 2, iter = 3, display = 0))
  expect_match(messages[length(messages)], "^training ends with average cost of [0-9.e-]+, and accuracy [0-9.]+%")
})

test_that("model mistakes are explained", {
  files <- make_mnist_dir()
  ds <- rpudlCreateDataSource("mnist", files$dir)
  model <- rpudl(lenet_file(), ds)
  expect_error(rpudlGetLayerWeights(model, "conv9"), "layers with weights: conv1, conv2, ip1, ip2",
               class = "rpud_input_error")
  expect_error(predict(model, matrix(0, 2, 10)), "1 x 28 x 28", class = "rpud_input_error")
  quick <- file.path(path.package("rpud"), "rpudl", "cifar10_quick_train.prototxt")
  expect_error(rpudl(quick, ds), "rpudlFindTrainingDataMean", class = "rpud_input_error")
  expect_error(rpudl(tempfile(), ds), "no prototxt file", class = "rpud_input_error")
  expect_error(rpudlTrain(list(), iter = 1), "rpudl()", class = "rpud_input_error")
})

test_that("a prototxt's crop and mirror augment training, and prediction takes whole images", {
  files <- make_mnist_dir(n_train = 6L, n_test = 2L)
  ds <- rpudlCreateDataSource("mnist", files$dir)
  text <- gsub("scale: 0.00390625", "scale: 0.00390625 crop_size: 24 mirror: true",
               readLines(lenet_file()), fixed = TRUE)
  prototxt <- tempfile(fileext = ".prototxt")
  writeLines(text, prototxt)
  model <- rpudl(prototxt, ds)
  expect_output(print(model), "images 1 x 28 x 28, cropped to 1 x 24 x 24, mirrored at random")
  trained <- suppressMessages(rpudlTrain(model, batch = 2, iter = 2))
  expect_length(predict(trained, rpudlGetTestingDataSamples(ds, c(1, 2))$x), 2L)
  expect_error(predict(trained, matrix(0, 1, 576)), "cuts their 24 x 24 centre itself",
               class = "rpud_input_error")
  writeLines(gsub("crop_size: 24", "crop_size: 30", text, fixed = TRUE), prototxt)
  expect_error(rpudl(prototxt, ds), "crop_size 30 is larger than the images", class = "rpud_input_error")
})

test_that("training tests on the test images every test.interval iterations", {
  files <- make_mnist_dir(n_train = 6L, n_test = 3L)
  model <- rpudl(lenet_file(), rpudlCreateDataSource("mnist", files$dir))
  messages <- capture_messages(trained <- rpudlTrain(model, batch = 2, iter = 4, display = 2,
                                                     test.interval = 2))
  expect_match(messages, "^testing @iter 0, cost [0-9.e-]+, accuracy [0-9.]+% on 3 test images", all = FALSE)
  expect_match(messages, "^testing @iter 4, ", all = FALSE)
  log <- trained$test.log
  expect_s3_class(log, "data.frame")
  expect_equal(log$iteration, c(0L, 2L, 4L))
  expect_true(all(log$accuracy >= 0 & log$accuracy <= 1) && all(log$cost > 0))
  expect_equal(nrow(model$test.log), 0L)
  picture <- tempfile(fileext = ".png")
  grDevices::png(picture)
  plot(trained)  # the training cost, with the test costs and the last accuracy
  grDevices::dev.off()
  expect_gt(file.size(picture), 2000)
  expect_error(rpudlTrain(model, iter = 1, test.interval = -1), "test.interval must be one number",
               class = "rpud_input_error")
})

test_that("an autoencoder trains on its losses, reports no accuracy, and gives its reconstruction", {
  files <- make_mnist_dir(n_train = 6L, n_test = 3L)
  ds <- rpudlCreateDataSource("mnist", files$dir)
  net <- file.path(path.package("rpud"), "rpudl", "autoencoder_train.prototxt")
  model <- rpudl(net, ds)
  messages <- capture_messages(trained <- rpudlTrain(model, batch = 3, iter = 4, display = 2,
                                                     learning.rate = 0.01, test.interval = 4))
  expect_match(messages, "^training @iter 2, cost [0-9.e+-]+\\s*$", all = FALSE)
  expect_match(messages, "^testing @iter 4, cost [0-9.e+-]+ on 3 test images; l2_error = ", all = FALSE)
  expect_false(any(grepl("accuracy", messages)))
  expect_true(all(is.nan(trained$test.log$accuracy)))
  picture <- tempfile(fileext = ".png")
  grDevices::png(picture)
  plot(trained)
  grDevices::dev.off()
  expect_gt(file.size(picture), 2000)
  obj <- rpudlGetTestingDataSamples(ds, 1:2)
  expect_equal(dim(rpudlExtractFeatures(trained, obj$x, "encode4")), c(2L, 30L))
  expect_error(predict(trained, obj$x), "scores no classes", class = "rpud_input_error")
  expect_error(rpudl(net, ds, stage = "deploy"), "no Data layer in its TEST phase")
  expect_error(rpudl(net, ds, stage = 1), "stage must be a character vector", class = "rpud_input_error")
})

test_that("a model is saved and loaded, and keeps its training state", {
  files <- make_mnist_dir()
  ds <- rpudlCreateDataSource("mnist", files$dir)
  model <- suppressMessages(rpudlTrain(rpudl(lenet_file(), ds), batch = 2, iter = 2))
  file <- tempfile(fileext = ".npz")
  rpudlSaveModel(model, file)
  loaded <- rpudlLoadModel(file, ds)
  expect_equal(loaded$cost.log, model$cost.log)
  expect_equal(rpudlGetLayerWeights(loaded, "ip2"), rpudlGetLayerWeights(model, "ip2"))
  expect_error(rpudlLoadModel(tempfile(), ds), "not a saved pyrpudl model", class = "rpud_input_error")
})

test_that("snapshots are Caffe's files, and training resumes from one as if it never stopped", {
  files <- make_mnist_dir(n_train = 6L)
  ds <- rpudlCreateDataSource("mnist", files$dir)
  model <- rpudl(lenet_file(), ds)
  prefix <- file.path(tempfile("runs"), "lenet")
  messages <- capture_messages(whole <- rpudlTrain(model, batch = 2, iter = 5, display = 2, snapshot = 2,
                                                   snapshot.prefix = prefix))
  expect_match(messages, paste0("^snapshot @iter 4: ", prefix, "_iter_4.caffemodel"), all = FALSE)
  expect_true(all(file.exists(paste0(prefix, "_iter_", c(2, 4), c(".caffemodel", ".solverstate")))))
  restored <- rpudlRestoreSnapshot(rpudl(lenet_file(), ds), paste0(prefix, "_iter_2.solverstate"))
  expect_equal(length(restored$cost.log), 2L)
  resumed <- suppressMessages(rpudlTrain(restored, batch = 2, iter = 3, display = 2))
  expect_identical(resumed$cost.log, whole$cost.log)
  expect_identical(rpudlGetLayerWeights(resumed, "conv1"), rpudlGetLayerWeights(whole, "conv1"))
  expect_error(rpudlTrain(model, iter = 1, snapshot = -2), "snapshot must be one number",
               class = "rpud_input_error")
  expect_error(rpudlTrain(model, iter = 1, snapshot = 1), "need a snapshot prefix", class = "rpud_input_error")
  expect_error(rpudlRestoreSnapshot(model, tempfile()), "cannot read the solver state",
               class = "rpud_input_error")
})

test_that("a solver file's snapshot_format HDF5 writes Caffe's HDF5 pair, which restores and loads", {
  files <- make_mnist_dir(n_train = 6L)
  ds <- rpudlCreateDataSource("mnist", files$dir)
  prefix <- file.path(tempfile("runs"), "lenet")
  dir.create(dirname(prefix))
  solver <- tempfile(fileext = ".prototxt")
  writeLines(c('base_lr: 0.01', 'momentum: 0.9', 'lr_policy: "fixed"', 'snapshot: 2',
               'snapshot_format: HDF5', sprintf('snapshot_prefix: "%s"', prefix)), solver)
  model <- rpudl(lenet_file(), ds)
  messages <- capture_messages(whole <- rpudlTrain(model, batch = 2, iter = 4, display = 2, solver = solver))
  expect_match(messages, paste0("^snapshot @iter 2: ", prefix, "_iter_2.caffemodel.h5, .*solverstate.h5"),
               all = FALSE)
  restored <- rpudlRestoreSnapshot(rpudl(lenet_file(), ds), paste0(prefix, "_iter_2.solverstate.h5"))
  resumed <- suppressMessages(rpudlTrain(restored, batch = 2, iter = 2, display = 2, solver = solver))
  expect_identical(resumed$cost.log, whole$cost.log)
  file <- tempfile(fileext = ".caffemodel.h5")
  rpudlSaveModel(whole, file)
  expect_message(started <- rpudl(lenet_file(), ds, weights = file), "^weights from .*: conv1, conv2, ip1, ip2")
  expect_identical(rpudlGetLayerWeights(started, "ip2"), rpudlGetLayerWeights(whole, "ip2"))
})

test_that("weights go to and come from Caffe's .caffemodel files", {
  files <- make_mnist_dir()
  ds <- rpudlCreateDataSource("mnist", files$dir)
  model <- suppressMessages(rpudlTrain(rpudl(lenet_file(), ds), batch = 2, iter = 2))
  file <- tempfile(fileext = ".caffemodel")
  rpudlSaveModel(model, file)
  expect_message(started <- rpudl(lenet_file(), ds, weights = file), "^weights from .*: conv1, conv2, ip1, ip2")
  expect_identical(rpudlGetLayerWeights(started, "ip1"), rpudlGetLayerWeights(model, "ip1"))
  expect_identical(predict(started, files$test), predict(model, files$test))
  expect_error(rpudl(lenet_file(), ds, weights = lenet_file()), "is not a Caffe .caffemodel",
               class = "rpud_input_error")
  # the deploy net takes the weights and predicts what the training net does on pixels it scaled
  deploy <- file.path(dirname(lenet_file()), "lenet_deploy.prototxt")
  deployed <- suppressMessages(rpudl(deploy, weights = file))
  expect_equal(rpudlNetInput(model, files$test), files$test * 0.00390625)  # no mean image here
  expect_equal(predict(deployed, rpudlNetInput(model, files$test), type = "prob"),
               predict(model, files$test, type = "prob"), tolerance = 1e-5)
  expect_error(rpudlNetInput(deployed, files$test), "deploy net", class = "rpud_input_error")
  expect_output(print(deployed), "rpudl deploy net LeNet: 431080 parameters")
  expect_message(rpudl(deploy), "deploy net without `weights =` predicts with its fillers", fixed = TRUE)
  expect_error(plot(deployed), "deploy net is not trained")
  expect_error(rpudlTrain(deployed, iter = 1), "deploy net .* only predicts", class = "rpud_input_error")
  expect_error(rpudl(deploy, ds), "leave the data source out", class = "rpud_input_error")
  expect_error(rpudl(lenet_file()), "Data layers read a data source", class = "rpud_input_error")
  # features from inside the net: the deploy net's output blob is its probabilities
  expect_equal(rpudlExtractFeatures(deployed, rpudlNetInput(model, files$test), "prob"),
               predict(model, files$test, type = "prob"), tolerance = 1e-5)
  expect_identical(dim(rpudlExtractFeatures(model, files$test, "pool2")), c(3L, 50L, 4L, 4L))
  ip1 <- rpudlExtractFeatures(model, files$test, "ip1")
  expect_identical(dim(ip1), c(3L, 500L))
  expect_true(all(ip1 >= 0) && any(ip1 > 0))  # after relu1, which rewrites ip1 in place
  expect_identical(max.col(rpudlExtractFeatures(model, files$test, "ip2"), "first") - 1L, predict(model, files$test))
  expect_error(rpudlExtractFeatures(model, files$test, "loss"), "no blob 'loss' .* its blobs: data, conv1",
               class = "rpud_input_error")
})

test_that("a Caffe solver file sets the training, and arguments given override it", {
  files <- make_mnist_dir()
  model <- rpudl(lenet_file(), rpudlCreateDataSource("mnist", files$dir))
  solver <- tempfile(fileext = ".prototxt")
  writeLines(c('base_lr: 0.01', 'momentum: 0.9', 'weight_decay: 0.0005', 'lr_policy: "inv"',
               'gamma: 0.0001', 'power: 0.75', 'max_iter: 10'), solver)
  trained <- suppressMessages(rpudlTrain(model, batch = 2, iter = 2, solver = solver))
  expect_length(trained$cost.log, 2L)
  writeLines("base_lr: oops", solver)
  expect_error(rpudlTrain(model, batch = 2, iter = 1, solver = solver), "prototxt:1:",
               class = "rpud_prototxt_error")
})

test_that("Caffe's other solvers train, by type or solver file, and their mistakes are R errors", {
  files <- make_mnist_dir()
  model <- rpudl(lenet_file(), rpudlCreateDataSource("mnist", files$dir))
  adam <- suppressMessages(rpudlTrain(model, batch = 2, iter = 2, solver.type = "Adam"))
  expect_length(adam$cost.log, 2L)
  expect_output(print(adam), "431080 parameters, 2 iterations trained \\(Adam\\)")
  # a different type restarts the histories, and says so
  expect_message(rpudlTrain(adam, batch = 2, iter = 1, solver.type = "SGD"),
                 "solver type SGD replaces Adam: its histories start afresh")
  solver <- tempfile(fileext = ".prototxt")
  writeLines(c('type: "RMSProp"', 'base_lr: 0.001', 'rms_decay: 0.98', 'lr_policy: "fixed"'), solver)
  expect_length(suppressMessages(rpudlTrain(model, batch = 2, iter = 1, solver = solver))$cost.log, 1L)
  expect_error(rpudlTrain(model, batch = 2, iter = 1, solver = solver, momentum = 0.9),
               "momentum cannot be used with RMSProp", class = "rpud_input_error")
  expect_error(rpudlTrain(model, iter = 1, solver.type = "Adamax"),
               "unknown solver type 'Adamax'; use one of SGD, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam",
               class = "rpud_input_error")
  expect_error(rpudlTrain(model, iter = 1, solver.type = 2), "solver.type must be one string",
               class = "rpud_input_error")
})

test_that("the device is chosen per call, and an unusable one is an R error that says why", {
  files <- make_mnist_dir(n_train = 4L, n_test = 2L)
  ds <- rpudlCreateDataSource("mnist", files$dir)
  model <- rpudl(lenet_file(), data.source = ds)
  on_cpu <- suppressMessages(rpudlTrain(model, batch = 2, iter = 2, device = "cpu"))
  expect_length(on_cpu$cost.log, 2L)
  obj <- rpudlGetTestingDataSamples(ds, c(1, 2))
  expect_length(predict(on_cpu, obj$x, device = "cpu"), 2L)
  expect_error(rpudlTrain(model, iter = 1, device = "tpu"), "unknown device 'tpu'",
               class = "rpud_input_error")
  expect_error(rpudlTrain(model, iter = 1, device = 3), "device must be one of",
               class = "rpud_input_error")
  if (!isTRUE(rpudlInfo()$cuda$available)) {
    expect_error(predict(on_cpu, obj$x, device = "cuda"), "CUDA cannot be used: .*Use device 'cpu'",
                 class = "rpud_device_error")
  }
})

test_that("summary lists the layers with their outputs and parameters", {
  files <- make_mnist_dir()
  model <- rpudl(lenet_file(), rpudlCreateDataSource("mnist", files$dir))
  s <- summary(model)
  expect_equal(sum(s$parameters), 431080)
  expect_equal(s$output[s$layer == "conv1"], "20 x 24 x 24")
  expect_output(print(s), "431080 parameters, 0 iterations trained")
})
