test_that("rpudlTime times every layer of the training net, prints Caffe's report and plots it", {
  files <- make_mnist_dir(n_train = 6L, n_test = 3L)
  model <- rpudl(file.path(path.package("rpud"), "rpudl", "lenet_train.prototxt"),
                 rpudlCreateDataSource("mnist", files$dir))
  times <- rpudlTime(model, batch = 4, iter = 3)
  expect_s3_class(times, "rpudl_time")
  expect_equal(times$layer, c("conv1", "pool1", "conv2", "pool2", "ip1", "relu1", "ip2", "loss"))
  expect_true(all(times$forward > 0) && all(times$backward > 0))
  expect_equal(attr(times, "batch"), 4L)
  report <- capture.output(print(times))
  expect_match(report[1], "Timing LeNet: 3 iterations of batch 4 on cpu.", fixed = TRUE)
  expect_true(any(grepl("^ +conv2 backward: +[0-9.]+ ms\\.$", report)))
  expect_match(report[length(report) - 1L], "^Median Forward-Backward: [0-9.]+ ms\\.$")
  png(file <- tempfile(fileext = ".png"))
  expect_identical(plot(times), times)
  dev.off()
  expect_gt(file.size(file), 1000)
  expect_length(model$cost.log, 0L)  # the model is not trained by it
})

test_that("a frozen layer over the data is not run backward, and bad arguments are R errors", {
  files <- make_mnist_dir(n_train = 6L, n_test = 3L)
  text <- readLines(file.path(path.package("rpud"), "rpudl", "lenet_train.prototxt"))
  first <- grep("lr_mult", text)[1]  # conv1's line
  text[first] <- gsub("lr_mult: [0-9]+", "lr_mult: 0", text[first])
  writeLines(text, prototxt <- tempfile(fileext = ".prototxt"))
  model <- rpudl(prototxt, rpudlCreateDataSource("mnist", files$dir))
  times <- rpudlTime(model, batch = 2, iter = 2)
  expect_true(is.na(times$backward[times$layer == "conv1"]))
  expect_true(any(grepl("conv1 backward: not run", capture.output(print(times)), fixed = TRUE)))
  expect_error(rpudlTime(model, batch = 0), "`batch` must be a whole number of at least 1")
  expect_error(rpudlTime(model, iter = 2.5), "`iter` must be a whole number of at least 1")
  expect_error(rpudlTime(list()), "model")
})

test_that("a deploy net is timed forward on random inputs of its Input's shape", {
  deploy <- rpudl(file.path(path.package("rpud"), "rpudl", "lenet_deploy.prototxt"))
  times <- rpudlTime(deploy, batch = 2, iter = 2)
  expect_true(all(times$forward > 0) && all(is.na(times$backward)))
  expect_equal(attr(times, "batch"), 2L)
})
