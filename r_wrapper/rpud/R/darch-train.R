# Pretraining, fine-tuning and running a darch: the R objects go to the engine as dicts
# (pyrpudl/r_darch.py is the other half) and what training changed comes back into a copy.

layer_to_py <- function(layer, i) {
  if (!is.list(layer) || length(layer) < 2L || !is_weights(layer[[1]]) || !is.function(layer[[2]])) {
    rpud_abort(sprintf("layer %d must be list(weights matrix, unit function[, weight changes]).", i),
               call = NULL)
  }
  on_disk <- inherits(layer[[1]], "rpud_disk_matrix")
  list(weights = if (on_disk) NULL else layer[[1]], unit = unit_name(layer[[2]]) %||% r_callback(layer[[2]]),
       increments = if (length(layer) >= 3L && !on_disk) layer[[3]] else NULL)
}

is_weights <- function(w) is.matrix(w) || inherits(w, "rpud_disk_matrix")

# A user's R function as the engine calls it: reticulate hands the arguments of a callback over as
# Python objects, so they become R matrices first.
r_callback <- function(f) {
  force(f)
  function(...) do.call(f, lapply(list(...), function(a) {
    if (inherits(a, "python.builtin.object")) reticulate::py_to_r(a) else a
  }))
}

rbm_to_py <- function(rbm) {
  fields <- unclass(rbm)
  for (name in c("visible_biases", "hidden_biases", "visible_bias_inc", "hidden_bias_inc", "errors")) {
    if (!is.null(fields[[name]])) fields[[name]] <- as.array(as.numeric(fields[[name]]))
  }
  fields
}

darch_to_py <- function(darch) {
  layers <- Map(layer_to_py, darch$layers, seq_along(darch$layers))
  for (i in seq_along(darch$state)) layers[[i]]$state <- darch$state[[i]]
  tuner <- tuner_name(darch$fineTuneFunction)
  if (is.null(tuner)) {
    rpud_abort(c("The fine-tune function is not one the engine knows.",
                 i = paste("Use one of:", paste(tuner_names, collapse = ", "), "(setFineTuneFunction).")),
               call = NULL)
  }
  list(layers = layers, rbms = lapply(darch$rbmList, rbm_to_py), batch_size = darch$batchSize,
       learn_rate_weights = darch$learnRateWeights, learn_rate_biases = darch$learnRateBiases,
       initial_momentum = darch$initialMomentum, final_momentum = darch$finalMomentum,
       momentum_switch = darch$momentumSwitch, fine_tune_function = tuner,
       error_function = error_name(darch$errorFunction) %||% r_callback(darch$errorFunction),
       epochs = darch$epochs, stats = lapply(darch$stats, as.array), seed = darch$seed,
       draws = darch$draws, log_level = darch$logLevel, precision = darch$precision, ff_dir = darch$ffDir)
}

rbm_from_py <- function(old, value) {
  for (name in names(value)) {
    v <- value[[name]]
    old[[name]] <- if (is.array(v) && length(dim(v)) == 1L) as.vector(v) else v
  }
  old
}

# `darch` with the weights, RBMs, counters and statistics the engine returned.
darch_merge <- function(darch, value) {
  for (i in seq_along(darch$layers)) {
    layer <- value$layers[[i]]
    if (!is.null(layer$weights)) darch$layers[[i]][[1]] <- layer$weights  # NULL: in their file
    if (!is.null(layer$increments)) darch$layers[[i]][[3]] <- layer$increments
    darch$state[[i]] <- if (length(layer$state)) layer$state else list()
  }
  darch$rbmList <- Map(rbm_from_py, darch$rbmList, value$rbms)
  darch$epochs <- as.integer(value$epochs)
  darch$draws <- as.integer(value$draws)
  darch$stats <- lapply(value$stats, as.vector)
  darch
}

report_stop <- function(stopped, what) {
  if (identical(stopped, "interrupted")) message(what, " interrupted: keeping the last completed epoch")
  if (identical(stopped, "not finite")) warning(what, " stopped: the error became NaN or infinite; ",
                                                "the last good epoch is kept", call. = FALSE)
}

#' Pretrain a darch
#'
#' Trains each RBM of the darch in turn with contrastive divergence (CD-`numCD`) on contiguous
#' batches, the first on `trainData`, each further one on the hidden probabilities of the one below,
#' and copies the weights into the network's layers (hidden biases as the last row). Logs
#' `Epoch i error: ...` per epoch (the mean squared reconstruction error per example). Ctrl-C ends
#' it early and keeps the last completed epoch.
#'
#' @param darch A darch from [newDArch()].
#' @param trainData A numeric matrix, one example per row.
#' @param maxEpoch Epochs per RBM.
#' @param numCD Gibbs steps per update (CD-k).
#' @param ... Unused (darch's extra arguments).
#' @param device Where the RBMs train: `"cpu"`, `"cuda"` (single precision only: a network made
#'   with `precision = "single"`) or `"auto"`; `NULL` uses `PYRPUDL_DEVICE`, else `"auto"`, which
#'   keeps double precision on the CPU.
#' @return The pretrained darch.
#' @examples
#' darch <- newDArch(c(2, 4, 1), batchSize = 2, logLevel = WARN)
#' inputs <- matrix(c(0, 0, 0, 1, 1, 0, 1, 1), ncol = 2, byrow = TRUE)
#' darch <- preTrainDArch(darch, inputs, maxEpoch = 10)
#' @export
preTrainDArch <- function(darch, trainData, maxEpoch = 1, numCD = 1, ..., device = NULL) {
  check_darch(darch)
  maxEpoch <- check_count(maxEpoch, "maxEpoch", 0)
  bar <- new_progress(maxEpoch * length(darch$rbmList), unit = "epochs", label = "error")
  on.exit(progress_clear(bar))
  result <- rpud_call("darch_pretrain", darch = darch_to_py(darch), data = as_py_array(trainData, "trainData"),
                      max_epoch = maxEpoch, num_cd = check_count(numCD, "numCD"),
                      report = darch_reporter(bar), device = optional_device(device),
                      progress = progress_callback(bar))
  report_stop(result$stopped, "pretraining")
  darch_merge(darch, result$darch)
}

#' Train an RBM with contrastive divergence
#'
#' @param rbm An RBM from [newRBM()].
#' @inheritParams preTrainDArch
#' @return The trained RBM.
#' @examples
#' rbm <- newRBM(2, 3, batchSize = 2, logLevel = WARN)
#' rbm <- trainRBM(rbm, matrix(c(0, 0, 0, 1, 1, 0, 1, 1), ncol = 2, byrow = TRUE), maxEpoch = 5)
#' @export
trainRBM <- function(rbm, trainData, maxEpoch = 1, numCD = 1, ..., device = NULL) {
  if (!inherits(rbm, "RBM")) rpud_abort("`rbm` must be an RBM made by newRBM().")
  result <- rpud_call("rbm_train", rbm = rbm_to_py(rbm), data = as_py_array(trainData, "trainData"),
                      max_epoch = check_count(maxEpoch, "maxEpoch", 0), num_cd = check_count(numCD, "numCD"),
                      precision = rbm$precision, log_level = rbm$logLevel, report = darch_reporter(),
                      device = optional_device(device))
  report_stop(result$stopped, "RBM training")
  rbm_from_py(rbm, result$rbm)
}

optional_matrix <- function(x, arg) if (is.null(x)) NULL else as_py_array(x, arg)

#' Fine-tune a darch
#'
#' Runs the darch's fine-tune function ([backpropagation()], [rpropagation()],
#' [minimizeClassifier()] or [minimizeAutoencoder()], chosen with `setFineTuneFunction<-`) over
#' contiguous batches for `maxEpoch` epochs. After each epoch it logs the error (and for
#' classification the share of misclassified rows) on the training, validation and test sets.
#' Ctrl-C or a non-finite error ends it early and keeps the last good epoch.
#'
#' @param darch A darch.
#' @param trainData,targetData Inputs and targets, one example per row.
#' @param maxEpoch Epochs.
#' @param isBin Binarise the outputs (> 0.5) before computing the error.
#' @param isClass Report the classification error (largest output, or > 0.5 for one output).
#' @param validData,validTargets,testData,testTargets Optional further sets to evaluate.
#' @param stopErr,stopValidErr Stop once the training (validation) error is at most this.
#' @param stopClassErr,stopValidClassErr Stop once the share of correct classifications in % is at
#'   least this (101: never).
#' @param shuffle Take the rows in a new random order each epoch (darch 0.9.1 took them in order,
#'   which fails when the data are sorted by class).
#' @param device Where backpropagation and rpropagation run, as in [preTrainDArch()]: on
#'   `"cuda"` for a network made with `precision = "single"` of sigmoid, tanh, linear or softmax
#'   units; the conjugate-gradient functions run on the CPU.
#' @param ... Settings of the fine-tune function: for `rpropagation`, `method` (`"iRprop+"`,
#'   `"iRprop-"`, `"Rprop+"`, `"Rprop-"`), `decFact`, `incFact`, `initDelta`, `minDelta`,
#'   `maxDelta`, `weightDecay`; for the `minimize...` functions `length` (line searches per batch) and
#'   `switchLayers`.
#' @return The fine-tuned darch.
#' @examples
#' darch <- newDArch(c(2, 4, 1), batchSize = 2, logLevel = WARN)
#' inputs <- matrix(c(0, 0, 0, 1, 1, 0, 1, 1), ncol = 2, byrow = TRUE)
#' darch <- fineTuneDArch(darch, inputs, matrix(c(0, 1, 1, 0)), maxEpoch = 10)
#' @export
fineTuneDArch <- function(darch, trainData, targetData, maxEpoch = 1, isBin = FALSE, isClass = TRUE,
                          validData = NULL, validTargets = NULL, testData = NULL, testTargets = NULL,
                          stopErr = -Inf, stopClassErr = 101, stopValidErr = -Inf, stopValidClassErr = 101,
                          shuffle = FALSE, ..., device = NULL) {
  check_darch(darch)
  maxEpoch <- check_count(maxEpoch, "maxEpoch", 0)
  bar <- new_progress(maxEpoch, unit = "epochs", label = "error")
  on.exit(progress_clear(bar))
  result <- rpud_call(
    "darch_fine_tune", darch = darch_to_py(darch), data = as_py_array(trainData, "trainData"),
    targets = as_py_array(targetData, "targetData"), max_epoch = check_count(maxEpoch, "maxEpoch", 0),
    is_bin = isTRUE(isBin), is_class = isTRUE(isClass), valid_data = optional_matrix(validData, "validData"),
    valid_targets = optional_matrix(validTargets, "validTargets"),
    test_data = optional_matrix(testData, "testData"), test_targets = optional_matrix(testTargets, "testTargets"),
    stop_err = stopErr, stop_class_err = stopClassErr, stop_valid_err = stopValidErr,
    stop_valid_class_err = stopValidClassErr, shuffle = isTRUE(shuffle), tuner_args = list(...),
    report = darch_reporter(bar), device = optional_device(device), progress = progress_callback(bar)
  )
  report_stop(result$stopped, "fine-tuning")
  darch_merge(darch, result$darch)
}

# One step of the named fine-tune function on one batch, for calling it directly as in darch.
tune_step <- function(name, darch, trainData, targetData, ...) {
  check_darch(darch)
  darch$fineTuneFunction <- get(name, envir = asNamespace("rpud"))
  value <- rpud_call("darch_step", darch = darch_to_py(darch), data = as_py_array(trainData, "trainData"),
                     targets = as_py_array(targetData, "targetData"), tuner_args = list(...))
  darch_merge(darch, value)
}

#' Fine-tune functions of darch
#'
#' Set one with `setFineTuneFunction(darch) <- backpropagation`; [fineTuneDArch()] then calls it
#' once per batch. Called directly, each does one update on the batch given.
#' `backpropagation` is gradient descent with momentum (`learnRateWeights`, `learnRateBiases`,
#' initial momentum for the first `momentumSwitch` epochs, then the final one). `rpropagation` is
#' resilient backpropagation. `minimizeClassifier` and `minimizeAutoencoder` use conjugate
#' gradients with Rasmussen's line search on the cross-entropy (classifiers) or the squared error
#' (autoencoders).
#'
#' @param darch A darch.
#' @param trainData,targetData One batch.
#' @param ... Settings, as listed in [fineTuneDArch()].
#' @return The updated darch.
#' @examples
#' darch <- newDArch(c(2, 3, 1), batchSize = 4, logLevel = WARN)
#' setFineTuneFunction(darch) <- rpropagation
#' inputs <- matrix(c(0, 0, 0, 1, 1, 0, 1, 1), ncol = 2, byrow = TRUE)
#' darch <- rpropagation(darch, inputs, matrix(c(0, 1, 1, 0)))
#' @name fineTuneFunctions
NULL

#' @rdname fineTuneFunctions
#' @export
backpropagation <- function(darch, trainData, targetData, ...) {
  tune_step("backpropagation", darch, trainData, targetData, ...)
}

#' @rdname fineTuneFunctions
#' @export
rpropagation <- function(darch, trainData, targetData, ...) {
  tune_step("rpropagation", darch, trainData, targetData, ...)
}

#' @rdname fineTuneFunctions
#' @export
minimizeClassifier <- function(darch, trainData, targetData, ...) {
  tune_step("minimizeClassifier", darch, trainData, targetData, ...)
}

#' @rdname fineTuneFunctions
#' @export
minimizeAutoencoder <- function(darch, trainData, targetData, ...) {
  tune_step("minimizeAutoencoder", darch, trainData, targetData, ...)
}

#' Run a darch on data
#'
#' `runDArch` (what `getExecuteFunction(darch)` returns) computes every layer's output for `data`
#' and stores them in the darch; `getExecOutputs` returns them all, `getExecOutput` one layer's
#' (the last by default).
#'
#' @param darch A darch.
#' @param data A numeric matrix, one example per row.
#' @param layer The layer whose output to return.
#' @return `runDArch`: the darch with its outputs. `getExecOutputs`: a list of matrices.
#'   `getExecOutput`: a matrix.
#' @examples
#' darch <- newDArch(c(2, 4, 1), batchSize = 2, logLevel = WARN)
#' darch <- getExecuteFunction(darch)(darch, matrix(c(0, 1, 1, 0), 2))
#' getExecOutput(darch)
#' @export
runDArch <- function(darch, data) {
  check_darch(darch)
  outputs <- rpud_call("darch_run", darch = darch_to_py(darch), data = as_py_array(data, "data"))
  darch$executeOutputs <- outputs
  darch
}

#' @rdname runDArch
#' @export
getExecOutputs <- function(darch) {
  check_darch(darch)
  darch$executeOutputs
}

#' @rdname runDArch
#' @export
getExecOutput <- function(darch, layer = length(darch$executeOutputs)) {
  check_darch(darch)
  if (!length(darch$executeOutputs)) rpud_abort("Run the darch first: darch <- runDArch(darch, data).")
  darch$executeOutputs[[layer]]
}
