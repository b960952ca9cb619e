# Caffe's Python layers from R: a layer file written for pycaffe (import caffe, caffe.Layer), kept in
# the working directory as Caffe's users keep theirs, runs in a net trained and used from R.
write_layer_file <- function(dir) {
  writeLines(c(
    "import caffe",
    "import numpy as np",
    "",
    "",
    "class ReLU(caffe.Layer):",
    "    def reshape(self, bottom, top):",
    "        top[0].reshape(*bottom[0].data.shape)",
    "",
    "    def forward(self, bottom, top):",
    "        if self.param_str == 'fails in test' and self.phase == caffe.TEST:",
    "            raise ValueError('no test data for me')",
    "        top[0].data[...] = np.maximum(bottom[0].data, 0)",
    "",
    "    def backward(self, top, propagate_down, bottom):",
    "        bottom[0].diff[...] = top[0].diff * (bottom[0].data > 0)"), file.path(dir, "r_layers.py"))
}

# lenet_train.prototxt with its ReLU replaced by the Python one
python_lenet <- function(dir, module = "r_layers", param_str = "") {
  lines <- readLines(file.path(path.package("rpud"), "rpudl", "lenet_train.prototxt"))
  relu <- 'layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }'
  stopifnot(sum(lines == relu) == 1)
  lines[lines == relu] <- sprintf(paste0('layer { name: "relu1" type: "Python" bottom: "ip1" top: "ip1" ',
                                         'python_param { module: "%s" layer: "ReLU" param_str: "%s" } }'),
                                  module, param_str)
  path <- file.path(dir, sprintf("lenet_%s.prototxt", module))
  writeLines(lines, path)
  path
}

# A folder holding the layer file, and a data source of a few MNIST-format images
layer_folder <- function() {
  dir <- tempfile("layers")
  dir.create(dir)
  write_layer_file(dir)
  files <- make_mnist_dir(n_train = 6L, n_test = 3L)
  list(dir = dir, ds = rpudlCreateDataSource("mnist", files$dir))
}

test_that("a ReLU written in Python, in the working directory, trains LeNet as Caffe's ReLU does", {
  setting <- layer_folder()
  ds <- setting$ds
  old <- setwd(setting$dir)
  dir <- tempfile("elsewhere")  # the prototxt apart from the layer file
  dir.create(dir)
  python <- rpudl(python_lenet(dir), data.source = ds)
  expect_output(print(python), "Python")
  builtin <- rpudl(file.path(path.package("rpud"), "rpudl", "lenet_train.prototxt"), data.source = ds)
  runs <- lapply(list(python, builtin), function(m) suppressMessages(rpudlTrain(m, batch = 2, iter = 4)))
  expect_equal(runs[[1]]$cost.log, runs[[2]]$cost.log, tolerance = 1e-5)
  x <- rpudlGetTestingDataSamples(ds, c(1, 3))$x
  expect_equal(predict(runs[[1]], x, type = "prob"), predict(runs[[2]], x, type = "prob"), tolerance = 1e-5)
  setwd(old)
})

test_that("a Python layer that cannot be loaded or that raises is an R error, and training keeps its model", {
  setting <- layer_folder()  # the prototxts beside the layer file: found there
  ds <- setting$ds
  dir <- setting$dir
  expect_error(rpudl(python_lenet(dir, module = "no_such_layers"), data.source = ds),
               "no module 'no_such_layers' to import; put no_such_layers.py in the working directory",
               class = "rpud_layer_error")
  model <- rpudl(python_lenet(dir, param_str = "fails in test"), data.source = ds)
  trained <- suppressMessages(rpudlTrain(model, batch = 2, iter = 4))  # no testing: it trains
  expect_length(trained$cost.log, 4L)
  # it resumes at iteration 4, and the first test pass (after iteration 6) raises
  messages <- capture_messages(again <- rpudlTrain(trained, batch = 2, iter = 4, test.interval = 2))
  expect_match(paste(messages, collapse = ""), paste0(
    "training stopped: layer 'relu1' \\(Python layer r_layers.ReLU\\) raised ValueError in forward\\(\\): ",
    "no test data for me; kept the model of iteration 6"))
  expect_length(again$cost.log, 6L)  # the iterations before the failure are kept
  expect_error(predict(again, rpudlGetTestingDataSamples(ds, c(1, 1))$x), "no test data for me",
               class = "rpud_layer_error")
})
