# The convenience of newer darch versions: darch(x, y) builds, pretrains (optionally) and fine-tunes
# a network in one call, with defaults that learn, and predict() answers in the response's terms.

#' Fit a deep architecture in one call
#'
#' Scales the inputs (centre and standard deviation, remembered for prediction), builds a network
#' with `layers` hidden units, optionally pretrains it as a DBN, and fine-tunes it. A factor
#' response gives a classifier (softmax outputs, [minimizeClassifier()] on the cross-entropy);
#' a numeric response a regression (linear outputs, [rpropagation()] on the squared error). Rows
#' are visited in a new random order each epoch (`set.seed()` makes a fit reproducible).
#'
#' @param x A numeric matrix or data frame of inputs (one example per row), or a formula.
#' @param y The response: a factor (classification) or a numeric vector or matrix (regression).
#' @param data For the formula interface, the data frame.
#' @param layers Hidden layer sizes, such as `c(20, 10)` (inputs and outputs are added).
#' @param rbm.numEpochs Epochs of pretraining per RBM (0: none).
#' @param darch.numEpochs Epochs of fine-tuning.
#' @param darch.batchSize Examples per update.
#' @param darch.fineTuneFunction The fine-tune function (default by response, see above).
#' @param scale Standardise the inputs.
#' @param xValid,yValid Optional validation set, evaluated after each epoch.
#' @param logLevel One of [logLevels].
#' @param ... Passed to [fineTuneDArch()] (settings of the fine-tune function).
#' @return A darch (class `DArch`) that [predict.DArch()] understands.
#' @examples
#' set.seed(1)
#' model <- darch(Species ~ ., iris, layers = 10, darch.numEpochs = 20)
#' mean(predict(model, iris, type = "class") == iris$Species)
#' @export
darch <- function(x, ...) UseMethod("darch")

#' @rdname darch
#' @importFrom stats model.frame model.matrix model.response terms sd
#' @export
darch.formula <- function(x, data, ...) {
  frame <- model.frame(x, data)
  inputs <- model.matrix(attr(frame, "terms"), frame)
  inputs <- inputs[, colnames(inputs) != "(Intercept)", drop = FALSE]
  model <- darch.default(inputs, model.response(frame), ...)
  model$fit$terms <- stats::delete.response(attr(frame, "terms"))
  model
}

#' @rdname darch
#' @export
darch.default <- function(x, y, layers = 10, rbm.numEpochs = 0, darch.numEpochs = 100,
                          darch.batchSize = 50, darch.fineTuneFunction = NULL, scale = TRUE,
                          xValid = NULL, yValid = NULL, logLevel = WARN, ...) {
  x <- as_input_matrix(x, "x")
  if (NROW(y) != nrow(x)) rpud_abort(sprintf("y has %d values but x has %d rows.", NROW(y), nrow(x)))
  classify <- is.factor(y) || is.character(y) || is.logical(y)
  levels <- if (classify) levels(as.factor(y)) else NULL
  targets <- response_matrix(y, levels)
  center <- if (scale) colMeans(x) else rep(0, ncol(x))
  spread <- if (scale) apply(x, 2, sd) else rep(1, ncol(x))
  spread[!is.finite(spread) | spread == 0] <- 1
  fit <- list(center = center, scale = spread, levels = levels, classify = classify)
  scaled <- scale_inputs(x, fit)
  d <- newDArch(c(ncol(x), layers, ncol(targets)), batchSize = darch.batchSize, logLevel = logLevel,
                visibleUnits = if (scale) "gaussian" else "binary")
  if (rbm.numEpochs > 0) d <- preTrainDArch(d, scaled, maxEpoch = rbm.numEpochs)
  n <- length(d$layers)
  for (i in seq_len(n - 1L)) d$layers[[i]][[2]] <- sigmoidUnitDerivative
  d$layers[[n]][[2]] <- if (classify) softmaxUnitDerivative else linearUnitDerivative
  d$fineTuneFunction <- darch.fineTuneFunction %||% if (classify) minimizeClassifier else rpropagation
  if (!classify) d$errorFunction <- mseError
  valid <- if (is.null(xValid)) NULL else scale_inputs(as_input_matrix(xValid, "xValid"), fit)
  d <- fineTuneDArch(d, scaled, targets, maxEpoch = darch.numEpochs, isClass = classify, shuffle = TRUE,
                     validData = valid, validTargets = if (is.null(yValid)) NULL else response_matrix(yValid, levels),
                     ...)
  d$fit <- fit
  d
}

as_input_matrix <- function(x, arg) {
  if (is.data.frame(x)) x <- data.matrix(x)
  if (!is.numeric(x)) rpud_abort(sprintf("`%s` must be numeric (a matrix or data frame).", arg), call = NULL)
  if (is.null(dim(x))) x <- matrix(x, ncol = 1L)
  storage.mode(x) <- "double"
  x
}

response_matrix <- function(y, levels) {
  if (is.null(levels)) return(as_input_matrix(y, "y"))
  codes <- match(as.character(y), levels)
  if (anyNA(codes)) rpud_abort("y has NA or values outside the training levels.", call = NULL)
  diag(length(levels))[codes, , drop = FALSE]
}

scale_inputs <- function(x, fit) {
  if (ncol(x) != length(fit$center)) {
    rpud_abort(sprintf("the data have %d input columns; the model was fitted with %d.", ncol(x),
                       length(fit$center)), call = NULL)
  }
  sweep(sweep(x, 2, fit$center), 2, fit$scale, "/")
}

#' Predict with a darch
#'
#' @param object A darch from [darch()] (inputs are scaled as in training, classes named as the
#'   response's levels) or from [newDArch()] (inputs used as they are).
#' @param newdata Inputs: a matrix, or for a formula fit a data frame.
#' @param type `"raw"` (the output units), `"bin"` (outputs > 0.5 as 0/1) or `"class"` (the
#'   largest output: a factor for a classifier fitted with [darch()], else column numbers).
#' @param ... Unused.
#' @return A matrix (`"raw"`, `"bin"`) or a vector of classes.
#' @examples
#' set.seed(1)
#' model <- darch(Species ~ ., iris, layers = 10, darch.numEpochs = 10)
#' head(predict(model, iris, type = "raw"))
#' @export
predict.DArch <- function(object, newdata, type = c("raw", "bin", "class"), ...) {
  type <- match_choice(type, "type", c("raw", "bin", "class"))
  fit <- object$fit
  if (!is.null(fit$terms) && is.data.frame(newdata)) {
    frame <- model.frame(fit$terms, newdata)
    newdata <- model.matrix(fit$terms, frame)
    newdata <- newdata[, colnames(newdata) != "(Intercept)", drop = FALSE]
  }
  x <- as_input_matrix(newdata, "newdata")
  if (!is.null(fit)) x <- scale_inputs(x, fit)
  out <- getExecOutput(runDArch(object, x))
  switch(type,
    raw = out,
    bin = (out > 0.5) * 1,
    class = {
      index <- if (ncol(out) > 1L) max.col(out, ties.method = "first") else as.integer(out[, 1] > 0.5) + 1L
      if (is.null(fit$levels)) index else factor(fit$levels[index], levels = fit$levels)
    })
}
