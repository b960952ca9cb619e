#' Create a model from a prototxt file
#'
#' Builds a convolutional network described in Caffe's protobuf text format (V2 `layer {}` or
#' V1 `layers {}` blocks), whose `Data` layers read `data.source`. The R package ships example
#' files in `file.path(path.package("rpud"), "rpudl")`.
#'
#' A Data layer's `transform_param` is Caffe's: images are scaled by `scale` after subtracting the
#' data source's mean image (when one was computed or loaded) or the per-channel `mean_value`s;
#' `crop_size` trains on a random square window of each image and tests and predicts on the centre
#' one; `mirror: true` flips training images left to right at random. `predict()` takes whole images.
#'
#' A deploy prototxt (Caffe's `Input` layer instead of `Data` layers, such as Caffe's
#' `lenet.prototxt`) makes a model that only predicts, with its weights from a `.caffemodel`: give
#' no data source. Its input takes the values as they are, as Caffe's does, so `predict()` wants
#' them scaled and centred as the training net's Data layer did ([rpudlNetInput()] makes them; for
#' LeNet without a mean image, `x * 0.00390625`), and returns the net's output (class indices from
#' 0).
#'
#' A net fed by Caffe's `HDF5Data` layers reads the HDF5 files they name (`hdf5_data_param { source:
#' }`, a text file listing them, looked for as written and then beside the prototxt; each file
#' holds one dataset per top): real-valued examples of any shape, with class labels when the net
#' classifies (one per example, or a label map per example: a class per position of the scores,
#' as a segmentation net's), and with targets of any shape otherwise (a regression's
#' `EuclideanLoss`). Give no
#' data source; [rpudlWriteHDF5()] writes such files from R. HDF5Data transforms nothing, as in
#' Caffe; `shuffle: true` draws a new training order each epoch.
#'
#' Recurrent nets (Caffe's `RNN` and `LSTM` layers, with bottoms `x` of timesteps by streams and
#' `cont`, 0 where a stream's sequence starts) read HDF5Data files with a third dataset, `top:
#' "data" top: "label" top: "cont"`, each row one timestep of every stream, `batch_size` the
#' timesteps of a batch: write them with `rpudlWriteHDF5(x, label, file, extra = list(cont =
#' cont))`. Their scores per timestep go to `SoftmaxWithLoss` and `Accuracy` with `axis: 2`
#' (`ignore_label: -1` for the timesteps that are not scored). The hidden state carries from one
#' batch to the next, as in Caffe (with `expose_hidden: true`, the states are further bottoms and
#' tops instead). Such a net is tested on its TEST files (`test.interval`); new sequences go
#' through a deploy net whose Input gives `data` and `cont`, fed a named list (see [predict()]).
#'
#' A net fed by Caffe's `ImageData` layers reads the images they list (`image_data_param { source:
#' "train.txt" root_folder: new_height: new_width: is_color: }`: a text file with a line per image,
#' its path and its class) into memory, colour in OpenCV's blue, green, red order as Caffe, resized
#' when new_height and new_width are given; the layer's `transform_param` applies (a `mean_file`
#' not there yet is computed from the training images and written there). Give no data source.
#'
#' A net may hold Caffe's `Python` layers (`python_param { module: "my_layers" layer: "MyLayer"
#' param_str: }`): classes written for pycaffe (`import caffe`, `class MyLayer(caffe.Layer)` with
#' `setup`, `reshape`, `forward`, `backward`), loaded from `my_layers.py` in the working directory
#' or on `PYTHONPATH`. They run in the engine's Python as in Caffe, from R unchanged. An error in
#' one is an R error of class `rpud_layer_error` naming the layer; raised during [rpudlTrain()], it
#' stops training, keeping the iterations before it.
#'
#' @param prototxt Path of a train/test prototxt file, or of a deploy one.
#' @param data.source A data source from [rpudlCreateDataSource()]; none for a deploy net or a
#'   net of HDF5Data or ImageData layers. If the
#'   net subtracts a mean image (`transform_param { mean_file }`), compute it first with
#'   [rpudlFindTrainingDataMean()].
#' @param seed Seed of the initial weights.
#' @param stage Optionally the stages of the TEST net (Caffe's `test_state { stage: }`), for nets
#'   whose layers are included or excluded by stage. `NULL`: none, unless the TEST phase has Data
#'   layers only under stages (as Caffe's MNIST autoencoder has "test-on-train" and
#'   "test-on-test"); then the first one's. The Data layers read `data.source` whatever file they
#'   name.
#' @param weights Optionally a Caffe `.caffemodel` file, or Caffe's HDF5 `.caffemodel.h5`
#'   (trained by Caffe, or written by [rpudlSaveModel()]) to start from, as `caffe train --weights`: each layer of the net takes the
#'   weights of the file's layer of the same name; layers the file lacks keep their initial
#'   weights, and the file's other layers are ignored. A message says which layers took weights.
#' @return A model (class `rpudl_model`).
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")
#' rpudl.path <- file.path(path.package(package = "rpud"), "rpudl")
#' model <- rpudl(file.path(rpudl.path, "lenet_train.prototxt"), data.source = ds)
#' model
#' # the same net for prediction only: a deploy file, with the weights written as Caffe's
#' # (of a trained model, in practice)
#' weights <- rpudlSaveModel(model, file.path(tempdir(), "lenet.caffemodel"))
#' deployed <- rpudl(file.path(rpudl.path, "lenet_deploy.prototxt"), weights = weights)
#' obj <- rpudlGetTestingDataSamples(ds, c(1, 5))
#' identical(predict(deployed, rpudlNetInput(model, obj$x)), predict(model, obj$x))
#' @export
rpudl <- function(prototxt, data.source = NULL, seed = 0L, weights = NULL, stage = NULL) {
  if (!is.null(data.source)) check_data_source(data.source)
  if (!is.null(stage) && (!is.character(stage) || anyNA(stage))) {
    rpud_abort("stage must be a character vector of stage names, e.g. \"test-on-test\"", "rpud_input_error")
  }
  py <- rpud_call("create_model", prototxt = path.expand(as_scalar_string(prototxt, "prototxt")),
                  source = if (is.null(data.source)) NULL else data.source$py, seed = as.integer(seed),
                  stages = if (is.null(stage)) NULL else as.list(stage))
  if (!is.null(weights)) {
    loaded <- rpud_call("load_caffe_weights", model = py, path = optional_path(weights, "weights"))
    message(loaded$note)
    py <- loaded$model
  } else if (rpud_call("model_is_deploy", model = py)) {
    message("a deploy net without `weights =` predicts with its fillers' initial values (in a deploy ",
            "file usually constant 0): give it the trained .caffemodel")
  }
  new_model(py)
}

new_model <- function(py) structure(list(py = py), class = "rpudl_model")

# NULL, or one whole number of iterations, 0 for none of what it paces (an R error otherwise)
optional_iterations <- function(x, arg, none) {
  if (is.null(x)) return(NULL)
  if (!is.numeric(x) || length(x) != 1 || is.na(x) || x < 0) {
    rpud_abort(sprintf("%s must be one number of iterations (0 for no %s)", arg, none), "rpud_input_error",
               call = sys.call(-1L))
  }
  as.integer(x)
}

check_solver_type <- function(solver.type) {
  if (!is.null(solver.type) && (!is.character(solver.type) || length(solver.type) != 1 ||
                                is.na(solver.type))) {
    rpud_abort("solver.type must be one string, e.g. \"Adam\"", "rpud_input_error", call = sys.call(-1L))
  }
}

optional_device <- function(device) {
  if (is.null(device)) return(NULL)
  if (!is.character(device) || length(device) != 1 || is.na(device)) {
    rpud_abort("device must be one of \"auto\", \"cpu\" or \"cuda\"", "rpud_input_error")
  }
  device
}

#' Train a model
#'
#' Runs one of Caffe's solvers (stochastic gradient descent by default): every `display`
#' iterations it prints the cost and accuracy of that batch, and at the end the averages over
#' the call. Returns a new model; the
#' model given is left as it was, so you can keep a history of models. A second call resumes
#' where the first stopped (iterations, the solver's histories, position in the data). Pressing Ctrl-C, or a
#' cost that becomes NaN or infinite, ends training early and returns the last good model.
#'
#' @param model A model from [rpudl()] or an earlier `rpudlTrain()`.
#' @param batch Examples per iteration.
#' @param iter Number of iterations.
#' @param learning.rate,momentum,weight.decay The solver's settings (defaults of Caffe's
#'   `cifar10_quick_solver.prototxt`). For Adam `momentum` is beta1; AdaGrad and RMSProp take
#'   none (0).
#' @param solver Optionally a Caffe solver prototxt file; its settings (type, learning-rate
#'   policy, `momentum2`, `delta`, `rms_decay`, `clip_gradients` too) are used, and the
#'   arguments given here override them.
#' @param solver.type One of Caffe's solvers: `"SGD"`, `"Nesterov"`, `"AdaGrad"`, `"RMSProp"`,
#'   `"AdaDelta"` or `"Adam"`. Without a solver file, the learning rate and momentum not given
#'   are those of Caffe's example solver for that type (Adam: 0.001 and 0.9; AdaDelta: 1 and
#'   0.95; AdaGrad: 0.01 and 0; RMSProp: 0.001 and 0). A type other than the model's last one
#'   starts its histories afresh.
#' @param display Print a progress line every `display` iterations (0 for none).
#' @param test.interval Every `test.interval` iterations, test the model on the data source's test
#'   images and print `testing @iter N, cost X, accuracy Y% on M test images` (Caffe's test phase;
#'   with a solver file's `test_iter`, that many batches of the TEST layer's `batch_size`).
#'   `NULL`: the solver file's `test_interval`, else none; 0: none. The cost and accuracy are
#'   the TEST net's outputs (its losses times their `loss_weight`; its first Accuracy layer, with
#'   its `top_k`), and its other outputs follow on the line. The results accumulate in
#'   `model$test.log`, a data frame of iteration, cost and accuracy.
#' @param snapshot,snapshot.prefix Every `snapshot` iterations (counted from the model's first),
#'   write Caffe's snapshot files `<snapshot.prefix>_iter_<N>.caffemodel` (the weights) and
#'   `.solverstate` (the solver's state), which Caffe reads too; resume from one with
#'   [rpudlRestoreSnapshot()] after a crash. The prefix's folder is made. `NULL`: the solver
#'   file's `snapshot` and `snapshot_prefix` (a prefix whose folder does not exist turns them off,
#'   with a message), else none. A solver file's `snapshot_format: HDF5` writes Caffe's HDF5 pair
#'   instead, `.caffemodel.h5` and `.solverstate.h5`.
#' @param device Where to train: `"auto"` (a usable NVIDIA GPU, else the CPU), `"cpu"` or
#'   `"cuda"`. `NULL` uses the environment variable `PYRPUDL_DEVICE`, else `"auto"`; see
#'   [rpudlInfo()]. A model trained on one device predicts and trains further on the other.
#' @return The trained model (class `rpudl_model`).
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")
#' rpudl.path <- file.path(path.package(package = "rpud"), "rpudl")
#' model <- rpudl(file.path(rpudl.path, "lenet_train.prototxt"), data.source = ds)
#' model <- rpudlTrain(model, batch = 64, iter = 20, learning.rate = 0.01, display = 10)
#' model <- rpudlTrain(model, batch = 64, iter = 10, learning.rate = 0.001)  # resumes
#' model <- rpudlTrain(model, batch = 64, iter = 10, solver.type = "Adam")
#' length(model$cost.log)
#' @export
rpudlTrain <- function(model, batch = 100, iter = 4000, learning.rate = 0.001, momentum = 0.9,
                       weight.decay = 0.004, solver = NULL, solver.type = NULL, display = 100,
                       device = NULL, test.interval = NULL, snapshot = NULL, snapshot.prefix = NULL) {
  check_model(model)
  snapshot <- optional_iterations(snapshot, "snapshot", "snapshots")
  test.interval <- optional_iterations(test.interval, "test.interval", "testing")
  check_solver_type(solver.type)
  if (!is.null(solver) || !is.null(solver.type)) {  # what is not given comes from them
    learning.rate <- if (missing(learning.rate)) NULL else learning.rate
    momentum <- if (missing(momentum)) NULL else momentum
    weight.decay <- if (missing(weight.decay)) NULL else weight.decay
  }
  current <- model$py
  # worked out once: the chunks below all snapshot to the same place
  plan <- rpud_call("snapshot_plan", model = current, solver_file = optional_path(solver, "solver"),
                    snapshot = snapshot,
                    snapshot_prefix = optional_path(snapshot.prefix, "snapshot.prefix"),
                    solver_type = solver.type)
  if (!is.null(plan$note)) message(plan$note)
  since <- length(rpud_call("model_cost_log", model = current))
  chunk <- if (display > 0) display else 100
  done <- 0
  stopped <- NULL
  bar <- new_progress(iter)  # in an interactive console: a live bar beside the log lines
  on.exit(progress_clear(bar))
  # Python cannot see R's Ctrl-C while it computes, so train in chunks: R notices an interrupt
  # between them and keeps the model of the last completed chunk.
  tryCatch({
    while (done < iter && is.null(stopped)) {
      n <- min(chunk, iter - done)
      result <- rpud_call("train_model", model = current, batch = as.integer(batch),
                          iterations = as.integer(n), learning_rate = learning.rate,
                          momentum = momentum, weight_decay = weight.decay,
                          solver_file = optional_path(solver, "solver"), solver_type = solver.type,
                          report = rpud_reporter(bar),
                          display = as.integer(display), final_report = FALSE,
                          device = optional_device(device),
                          test_interval = test.interval,
                          snapshot = as.integer(plan$every), snapshot_prefix = plan$prefix)
      current <- result$model
      stopped <- result$stopped
      done <- done + n
      if (!is.null(bar)) progress_update(bar, done, rpud_call("last_cost", model = current))
    }
  }, interrupt = function(e) {
    message("training interrupted: keeping the model of the last completed chunk")
  }, rpud_interrupt = function(e) {  # Python took the Ctrl-C in a call between the chunks
    message("training interrupted: keeping the model of the last completed chunk")
  }, error = function(e) {
    # A Ctrl-C that lands while reticulate is between R and Python can surface as an error
    # ("No such namespace: reticulate") instead of an interrupt. After a completed chunk, keep
    # that chunk's model rather than lose the training; before one, the error is the user's to see.
    if (done == 0) stop(e)
    message("training stopped after ", done, " iterations (", conditionMessage(e),
            "): keeping the model of the last completed chunk")
  })
  progress_clear(bar)
  message(rpud_call("training_summary", model = current, since = as.integer(since)))
  new_model(current)
}

#' Predict with a trained model
#'
#' @param object A model from [rpudlTrain()].
#' @param x Images: a matrix with one image per row (pixels in channel, row, column order, as
#'   [rpudlGetTestingDataSamples()] returns them) or an array `c(n, channels, height, width)`. For
#'   a deploy net of several inputs, a named list of arrays, one per input blob, as many rows
#'   (first dimension) in each: a recurrent net's `list(data = x, cont = cont)`, its rows the
#'   timesteps (all at once, the hidden state running through them).
#' @param type `"class"` for the predicted classes (coded as the data source's labels) or
#'   `"prob"` for a matrix of class probabilities.
#' @param device Where to compute, as in [rpudlTrain()].
#' @param ... Unused.
#' @return An integer vector of classes, or a probability matrix with one row per image.
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")
#' rpudl.path <- file.path(path.package(package = "rpud"), "rpudl")
#' model <- rpudl(file.path(rpudl.path, "lenet_train.prototxt"), data.source = ds)
#' model <- rpudlTrain(model, batch = 64, iter = 20, learning.rate = 0.01, display = 10)
#' obj <- rpudlGetTestingDataSamples(ds, c(1, 12))
#' res <- predict(model, obj$x)
#' sum(obj$y == res)
#' round(predict(model, obj$x, type = "prob")[1:2, ], 3)
#' @importFrom stats predict
#' @export
predict.rpudl_model <- function(object, x, type = c("class", "prob"), device = NULL, ...) {
  type <- match_choice(type, "type", c("class", "prob"))
  value <- rpud_call("predict_model", model = object$py, x = as_py_examples(x, "x"), type = type,
                     device = optional_device(device))
  if (type == "class") as.integer(as.vector(value)) else value
}

#' The net's input for images
#'
#' What the model's TEST-phase Data layer gives its net for images `x`: the mean image (or
#' `mean_value`s) subtracted, multiplied by `scale`, the centre `crop_size` window cut out. A deploy
#' net of the same net (see [rpudl()]) takes these values, as Caffe's deploy nets take what Caffe's
#' Python `Transformer` makes of images.
#'
#' @param model A model built from a train/test prototxt.
#' @param x Images, as [predict()] takes them.
#' @return A matrix with one row per image: the net's input values in channel, row, column order.
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")
#' rpudl.path <- file.path(path.package(package = "rpud"), "rpudl")
#' model <- rpudl(file.path(rpudl.path, "lenet_train.prototxt"), data.source = ds)
#' obj <- rpudlGetTestingDataSamples(ds, c(1, 3))
#' range(rpudlNetInput(model, obj$x))
#' @export
rpudlNetInput <- function(model, x) {
  check_model(model)
  rpud_call("net_input", model = model$py, x = as_py_array(x, "x"))
}

#' Features from inside a net
#'
#' The values of one blob of the model's TEST net for images `x`: what the layer that writes it
#' (last) made of them, as Caffe's `extract_features` tool gives them. A blob rewritten in place (a
#' ReLU's top under its bottom's name) holds the values after that layer.
#'
#' @param model A model.
#' @param x Images, as [predict()] takes them.
#' @param blob The blob's name in the prototxt, such as `"ip1"` or `"conv2"`.
#' @param device Where to compute, as in [rpudlTrain()].
#' @return An array with one image per first index: `n x outputs` after an inner product,
#'   `n x channels x height x width` after a convolution or pooling.
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")
#' rpudl.path <- file.path(path.package(package = "rpud"), "rpudl")
#' model <- rpudl(file.path(rpudl.path, "lenet_train.prototxt"), data.source = ds)
#' obj <- rpudlGetTestingDataSamples(ds, c(1, 3))
#' dim(rpudlExtractFeatures(model, obj$x, "ip1"))
#' dim(rpudlExtractFeatures(model, obj$x, "pool2"))
#' @export
rpudlExtractFeatures <- function(model, x, blob, device = NULL) {
  check_model(model)
  rpud_call("extract_features", model = model$py, x = as_py_examples(x, "x"), blob = as_scalar_string(blob, "blob"),
            device = optional_device(device))
}

#' Weights of a layer
#'
#' @param model A model.
#' @param layer The layer's name in the prototxt, such as `"conv1"`.
#' @return An array: `num_output x channels x height x width` for a convolution, `outputs x
#'   inputs` for an inner product.
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")
#' rpudl.path <- file.path(path.package(package = "rpud"), "rpudl")
#' model <- rpudl(file.path(rpudl.path, "lenet_train.prototxt"), data.source = ds)
#' weights <- rpudlGetLayerWeights(model, "conv1")
#' dim(weights)
#' @export
rpudlGetLayerWeights <- function(model, layer) {
  check_model(model)
  rpud_call("layer_weights", model = model$py, layer = as_scalar_string(layer, "layer"))
}

#' @export
`$.rpudl_model` <- function(x, name) {
  if (identical(name, "cost.log")) {
    return(as.vector(rpud_call("model_cost_log", model = unclass(x)$py)))
  }
  if (identical(name, "test.log")) {
    log <- rpud_call("model_test_log", model = unclass(x)$py)
    return(data.frame(iteration = as.integer(unlist(log$iteration)), cost = as.numeric(unlist(log$cost)),
                      accuracy = as.numeric(unlist(log$accuracy))))
  }
  unclass(x)[[name]]
}

#' @export
print.rpudl_model <- function(x, ...) {
  cat(rpud_call("model_summary", model = x$py), "\n", sep = "")
  invisible(x)
}

check_model <- function(model) {
  if (!inherits(model, "rpudl_model")) {
    rpud_abort(c("`model` must be an rpudl model.", i = "Create one with rpudl()."), call = sys.call(-1L))
  }
}

#' Save and load a trained model
#'
#' `rpudlSaveModel()` writes the net, its parameters, the training state (iterations, momentum,
#' position in the data) and the cost log to one file (NumPy `.npz`, plain arrays and text, no
#' code). `rpudlLoadModel()` reads it back, bound to a data source of the same image shape, and
#' training can resume from it. A file name ending in `.caffemodel` writes the weights alone as
#' Caffe's file instead, for Caffe or for `rpudl(weights = )`; one ending in `.caffemodel.h5`, as
#' Caffe's HDF5 weights file.
#'
#' @param model A model.
#' @param file The file to write or read.
#' @param data.source A data source from [rpudlCreateDataSource()]; `NULL` for a net of HDF5Data
#'   or ImageData layers, which reads the files its layers name (relative to the working folder).
#' @return `rpudlSaveModel()`: the file, invisibly. `rpudlLoadModel()`: the model.
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")
#' rpudl.path <- file.path(path.package(package = "rpud"), "rpudl")
#' model <- rpudl(file.path(rpudl.path, "lenet_train.prototxt"), data.source = ds)
#' model <- rpudlTrain(model, batch = 64, iter = 20, learning.rate = 0.01, display = 10)
#' file <- file.path(tempdir(), "lenet.npz")
#' rpudlSaveModel(model, file)
#' again <- rpudlLoadModel(file, ds)
#' identical(again$cost.log, model$cost.log)
#' @export
rpudlSaveModel <- function(model, file) {
  check_model(model)
  invisible(rpud_call("save_model", model = model$py, path = path.expand(as_scalar_string(file, "file"))))
}

#' Resume from a snapshot
#'
#' A snapshot that [rpudlTrain()] wrote (`snapshot =`), or that Caffe wrote: the model's weights,
#' solver histories and iteration, and for pyrpudl's snapshots its position in the data and its
#' logs, so that training on resumes as if it had never stopped. A state written by Caffe resumes
#' at iteration x the TRAIN layer's `batch_size` in the data, with empty logs.
#'
#' @param model A model made by [rpudl()] from the prototxt of the snapshotted net.
#' @param file The `.solverstate` file (or Caffe's HDF5 `.solverstate.h5`); its weights file is
#'   found where the state names it, or beside it.
#' @param solver.type For a state Caffe wrote with AdaDelta or Adam, which of the two (Caffe's file
#'   does not say).
#' @return The restored model.
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")
#' rpudl.path <- file.path(path.package(package = "rpud"), "rpudl")
#' prototxt <- file.path(rpudl.path, "lenet_train.prototxt")
#' model <- rpudl(prototxt, data.source = ds)
#' prefix <- file.path(tempdir(), "snapshots", "lenet")
#' model <- rpudlTrain(model, batch = 64, iter = 20, learning.rate = 0.01, display = 10,
#'                     snapshot = 10, snapshot.prefix = prefix)
#' again <- rpudlRestoreSnapshot(rpudl(prototxt, ds), paste0(prefix, "_iter_20.solverstate"))
#' identical(again$cost.log, model$cost.log)
#' @export
rpudlRestoreSnapshot <- function(model, file, solver.type = NULL) {
  check_model(model)
  check_solver_type(solver.type)
  new_model(rpud_call("restore_snapshot", model = model$py, path = optional_path(file, "file"),
                      solver_type = solver.type))
}

#' @rdname rpudlSaveModel
#' @export
rpudlLoadModel <- function(file, data.source = NULL) {
  if (!is.null(data.source)) check_data_source(data.source)
  new_model(rpud_call("load_model", path = path.expand(as_scalar_string(file, "file")),
                      source = if (is.null(data.source)) NULL else data.source$py))
}

#' Plot a model's training cost
#'
#' The cost of every training iteration so far (all `rpudlTrain()` calls), with a smoothed curve
#' (`lowess`) through it, and where the model was tested (`rpudlTrain(test.interval = )`), the
#' test cost (orange) with the last test accuracy below the plot (a net that scores no classes,
#' such as an autoencoder, has none).
#'
#' @param x A trained model.
#' @param y Unused.
#' @param ... Passed to [graphics::plot()].
#' @return `x`, invisibly.
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")
#' rpudl.path <- file.path(path.package(package = "rpud"), "rpudl")
#' model <- rpudl(file.path(rpudl.path, "lenet_train.prototxt"), data.source = ds)
#' model <- rpudlTrain(model, batch = 64, iter = 20, learning.rate = 0.01, display = 10)
#' plot(model)
#' @importFrom stats lowess
#' @export
plot.rpudl_model <- function(x, y, ...) {
  costs <- x$cost.log
  if (rpud_call("model_is_deploy", model = x$py)) {
    rpud_abort("a deploy net is not trained, so it has no training cost to plot.")
  }
  if (!length(costs)) rpud_abort("the model has not been trained yet: run rpudlTrain() first.")
  iterations <- seq_along(costs)
  tests <- x$test.log
  args <- list(...)
  if (is.null(args$ylim)) args$ylim <- range(costs, tests$cost, finite = TRUE)
  do.call(graphics::plot, c(list(iterations, costs, pch = 16, cex = 0.3, col = grDevices::grey(0.6),
                                 xlab = "iteration", ylab = "cost", main = "rpudl training"), args))
  if (length(costs) > 2) graphics::lines(lowess(iterations, costs, f = 0.2), col = "steelblue", lwd = 2)
  if (nrow(tests)) {
    graphics::lines(tests$iteration, tests$cost, type = "o", pch = 16, col = "darkorange", lwd = 2)
    graphics::legend("topright", c("training", "smoothed", "test"), bty = "n",
                     col = c(grDevices::grey(0.6), "steelblue", "darkorange"), pch = c(16, NA, 16),
                     lty = c(NA, 1, 1), lwd = c(NA, 2, 2))
    last <- tests[nrow(tests), ]
    if (!is.nan(last$accuracy)) {  # a net without classes (an autoencoder) has no accuracy
      graphics::mtext(sprintf("test accuracy %.2f%% at iteration %d", 100 * last$accuracy, last$iteration),
                      side = 1, line = 4, cex = 0.8)
    }
  }
  invisible(x)
}

#' Summarise a model
#'
#' @param object A model.
#' @param ... Unused.
#' @return A data frame, one row per layer of the training phase: its name, type, the shape of its
#'   output for one image, and its number of parameters; printed with the model's iterations.
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")
#' rpudl.path <- file.path(path.package(package = "rpud"), "rpudl")
#' model <- rpudl(file.path(rpudl.path, "lenet_train.prototxt"), data.source = ds)
#' summary(model)
#' @export
summary.rpudl_model <- function(object, ...) {
  value <- rpud_call("model_layers", model = object$py)
  layers <- data.frame(layer = unlist(value$layer), type = unlist(value$type), output = unlist(value$output),
                       parameters = unlist(value$parameters), stringsAsFactors = FALSE)
  structure(layers, class = c("summary_rpudl_model", "data.frame"), iterations = length(object$cost.log))
}

#' @export
print.summary_rpudl_model <- function(x, ...) {
  cat(sprintf("rpudl model: %d parameters, %d iterations trained\n", sum(x$parameters), attr(x, "iterations")))
  print(structure(x, class = "data.frame", iterations = NULL), row.names = FALSE)
  invisible(x)
}
