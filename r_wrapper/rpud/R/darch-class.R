# darch objects: plain R lists of class "DArch" and "RBM", so that they behave as R values (a
# changed copy never touches the original) and can hold R functions. The engine receives them as
# dicts (darch_to_py) and sends back what training changed (darch_merge).

#' Log levels of darch
#'
#' futile.logger's levels, as darch 0.9.1 used them for `logLevel`: a line is shown when its level
#' is at most the chosen one (`INFO` shows `INFO`, `WARN`, `ERROR` and `FATAL` lines).
#' @format An integer.
#' @examples
#' darch <- newDArch(c(2, 3, 1), batchSize = 2, logLevel = WARN)
#' @name logLevels
NULL

#' @rdname logLevels
#' @export
TRACE <- 9L
#' @rdname logLevels
#' @export
DEBUG <- 8L
#' @rdname logLevels
#' @export
INFO <- 6L
#' @rdname logLevels
#' @export
WARN <- 4L
#' @rdname logLevels
#' @export
ERROR <- 2L
#' @rdname logLevels
#' @export
FATAL <- 1L

darch_log_line <- function(level, threshold, message) {
  levels <- c(FATAL = 1L, ERROR = 2L, WARN = 4L, INFO = 6L, DEBUG = 8L, TRACE = 9L)
  if (levels[[level]] <= threshold) {
    cat(sprintf("%s [%s] %s\n", level, format(Sys.time(), "%Y-%m-%d %H:%M:%S"), message))
  }
}

# The engine's log lines go to standard output, as futile.logger's did (knitr captures them too).
darch_reporter <- function(progress = NULL) {
  above_progress(progress, function(line) {
    # reticulate may hand the line over as a Python str, which cat() cannot print
    if (inherits(line, "python.builtin.object")) line <- reticulate::py_to_r(line)
    cat(line, "\n", sep = "")
    invisible(NULL)
  })
}

check_log_level <- function(logLevel) {
  if (!is.numeric(logLevel) || length(logLevel) != 1L || is.na(logLevel)) {
    rpud_abort("`logLevel` must be one of TRACE, DEBUG, INFO, WARN, ERROR or FATAL.", call = sys.call(-1L))
  }
  as.integer(logLevel)
}

check_count <- function(x, arg, min = 1) {
  if (!is.numeric(x) || length(x) != 1L || is.na(x) || x < min || x != round(x)) {
    rpud_abort(sprintf("`%s` must be a whole number of at least %d, not %s.", arg, min, format(x)[1]),
               call = sys.call(-1L))
  }
  as.integer(x)
}

#' Generate a weight matrix
#'
#' darch's default start for the weights of an RBM: independent normal values with standard
#' deviation 0.1 (from R's random number generator, so `set.seed()` makes it reproducible).
#'
#' @param numUnits1,numUnits2 Rows (visible units) and columns (hidden units).
#' @return A `numUnits1` x `numUnits2` matrix.
#' @examples
#' generateWeights(2, 4)
#' @importFrom stats rnorm
#' @export
generateWeights <- function(numUnits1, numUnits2) {
  matrix(rnorm(numUnits1 * numUnits2) * 0.1, numUnits1, numUnits2)
}

#' Create a restricted Boltzmann machine
#'
#' @param numVisible,numHidden Numbers of visible and hidden units.
#' @param batchSize Examples per update in [trainRBM()].
#' @param ff Must be `FALSE` (a network made with `newDArch(ff = TRUE)` keeps its RBMs on disk).
#' @param logLevel One of [logLevels].
#' @param genWeightFunc The function that makes the initial weight matrix, as [generateWeights()].
#' @param visibleUnits `"binary"` (Bernoulli) or `"gaussian"` visible units (unit variance, for
#'   real-valued data such as standardised measurements).
#' @param precision `"double"` or `"single"` floating point in the engine.
#' @return An RBM (class `RBM`).
#' @examples
#' rbm <- newRBM(6, 3, batchSize = 2)
#' @export
newRBM <- function(numVisible, numHidden, batchSize = 1, ff = FALSE, logLevel = INFO,
                   genWeightFunc = generateWeights, visibleUnits = c("binary", "gaussian"),
                   precision = c("double", "single")) {
  numVisible <- check_count(numVisible, "numVisible")
  numHidden <- check_count(numHidden, "numHidden")
  visibleUnits <- match_choice(visibleUnits, "visibleUnits", c("binary", "gaussian"))
  precision <- match_choice(precision, "precision", c("double", "single"))
  check_ff(ff)
  darch_log_line("INFO", check_log_level(logLevel),
                 sprintf("Construct new RBM instance with %d visible and %d hidden units.", numVisible, numHidden))
  weights <- genWeightFunc(numVisible, numHidden)
  if (!is.matrix(weights) || !identical(dim(weights), c(numVisible, numHidden))) {
    rpud_abort(sprintf("`genWeightFunc` must return a %d x %d matrix.", numVisible, numHidden))
  }
  structure(list(
    weights = weights, visible_biases = numeric(numVisible), hidden_biases = numeric(numHidden),
    weight_inc = NULL, visible_bias_inc = NULL, hidden_bias_inc = NULL,
    batch_size = check_count(batchSize, "batchSize"), learn_rate_weights = 0.1,
    learn_rate_bias_visible = 0.1, learn_rate_bias_hidden = 0.1, weight_cost = 0.0002,
    initial_momentum = 0.5, final_momentum = 0.9, momentum_switch = 5L, visible_units = visibleUnits,
    epochs = 0L, errors = numeric(0), seed = sample.int(.Machine$integer.max, 1L), layer = 0L,
    draws = 0L, precision = precision, logLevel = check_log_level(logLevel)
  ), class = "RBM")
}

check_ff <- function(ff) {
  if (!identical(ff, FALSE)) {
    rpud_abort(c("newRBM(ff = TRUE) is not available: a single RBM keeps its weights in memory.",
                 i = "newDArch(ff = TRUE) keeps a whole network's weights in files."),
               call = sys.call(-1L))
  }
}

#' Create a deep architecture
#'
#' Builds a network of `length(layers)` layers of units, with one RBM for each pair of adjacent
#' layers (to pretrain with [preTrainDArch()]) and sigmoid units, as darch 0.9.1 did. Each layer's
#' weights are a matrix of (inputs + 1) rows and units columns, the last row holding the biases.
#'
#' @param layers Numbers of units per layer, inputs first: `c(2, 4, 1)`.
#' @param batchSize Examples per update when pretraining and fine-tuning (larger than the data means
#'   one batch of all rows).
#' @param ff Keep the weights (and the outputs passed between RBMs in pretraining) in
#'   memory-mapped files in `ffDir`, for networks larger than memory, as darch's `ff` package did.
#'   Such a darch is not a value: copies share the files, and training changes them in place.
#' @param ffDir The folder of the files with `ff = TRUE` (a new temporary folder by default).
#' @param logLevel One of [logLevels]: `INFO` prints darch's progress lines, `WARN` hides them.
#' @param genWeightFunc The function that makes initial weight matrices, as [generateWeights()].
#' @param visibleUnits `"binary"` or `"gaussian"` visible units for the first RBM (use
#'   `"gaussian"` for real-valued inputs).
#' @param precision `"double"` (R's numbers) or `"single"` (about twice as fast on large networks).
#' @return A darch (class `DArch`).
#' @examples
#' darch <- newDArch(c(2, 4, 1), batchSize = 2, genWeightFunc = generateWeights)
#' @export
newDArch <- function(layers, batchSize, ff = FALSE, logLevel = INFO, genWeightFunc = generateWeights,
                     visibleUnits = c("binary", "gaussian"), precision = c("double", "single"),
                     ffDir = NULL) {
  if (!is.numeric(layers) || length(layers) < 2L || anyNA(layers) || any(layers < 1) ||
      any(layers != round(layers))) {
    rpud_abort("`layers` must be at least two positive whole numbers of units, such as c(2, 4, 1).")
  }
  batchSize <- check_count(batchSize, "batchSize")
  logLevel <- check_log_level(logLevel)
  precision <- match_choice(precision, "precision", c("double", "single"))
  visibleUnits <- match_choice(visibleUnits, "visibleUnits", c("binary", "gaussian"))
  if (!is.logical(ff) || length(ff) != 1L || is.na(ff)) rpud_abort("`ff` must be TRUE or FALSE.")
  darch_log_line("INFO", logLevel, sprintf("Constructing a darch with %d layers.", length(layers)))
  darch_log_line("INFO", logLevel, "Generating RBMs.")
  rbms <- lapply(seq_len(length(layers) - 1L), function(i) {
    rbm <- newRBM(layers[i], layers[i + 1L], batchSize, logLevel = logLevel, genWeightFunc = genWeightFunc,
                  visibleUnits = if (i == 1L) visibleUnits else "binary", precision = precision)
    rbm$layer <- i - 1L
    rbm
  })
  darch <- structure(list(
    layers = lapply(rbms, function(rbm) list(rbind(rbm$weights, rbm$hidden_biases), sigmoidUnit)),
    rbmList = rbms, batchSize = batchSize, learnRateWeights = 0.1, learnRateBiases = 0.1,
    initialMomentum = 0.5, finalMomentum = 0.9, momentumSwitch = 5L,
    fineTuneFunction = backpropagation, errorFunction = quadraticError, executeFunction = runDArch,
    epochs = 0L, stats = list(), executeOutputs = list(), state = list(), draws = 0L,
    seed = sample.int(.Machine$integer.max, 1L), logLevel = logLevel, precision = precision
  ), class = "DArch")
  if (ff) darch <- move_to_disk(darch, ffDir %||% tempfile("darch-ff-"))
  darch
}

# ff = TRUE: the weights go to files, and the darch keeps only their names and shapes.
move_to_disk <- function(darch, folder) {
  folder <- path.expand(as_scalar_string(folder, "ffDir"))
  rpud_call("darch_to_disk", darch = darch_to_py(darch), folder = folder, call = NULL)
  folder <- normalizePath(folder)
  for (i in seq_along(darch$layers)) {
    darch$layers[[i]][[1]] <- disk_matrix(file.path(folder, sprintf("layer%d.npy", i)), dim(darch$layers[[i]][[1]]))
    darch$layers[[i]][3] <- list(NULL)
  }
  darch$rbmList <- lapply(darch$rbmList, function(rbm) {
    for (name in c("weights", "visible_biases", "hidden_biases")) rbm[name] <- list(NULL)
    rbm
  })
  darch$ffDir <- folder
  darch
}

disk_matrix <- function(path, dim) structure(list(path = path, dim = as.integer(dim)), class = "rpud_disk_matrix")

#' @export
dim.rpud_disk_matrix <- function(x) unclass(x)$dim

#' @export
print.rpud_disk_matrix <- function(x, ...) {
  cat(sprintf("<%d x %d weights in %s>\n", dim(x)[1], dim(x)[2], unclass(x)$path))
  invisible(x)
}

# A layer's weights as an R matrix, read from their file with ff = TRUE.
as_weight_matrix <- function(w) {
  if (inherits(w, "rpud_disk_matrix")) rpud_call("read_matrix", path = unclass(w)$path, call = NULL) else w
}

check_darch <- function(darch) {
  if (!inherits(darch, "DArch")) {
    rpud_abort(c("`darch` must be a deep architecture.", i = "Create one with newDArch()."),
               call = sys.call(-1L))
  }
}

#' @export
print.DArch <- function(x, ...) {
  sizes <- c(nrow(x$layers[[1]][[1]]) - 1L, vapply(x$layers, function(l) ncol(l[[1]]), integer(1)))
  units <- vapply(x$layers, function(l) unit_name(l[[2]]) %||% "a user function", character(1))
  cat(sprintf("DArch with layers %s (%s precision), batch size %d\n", paste(sizes, collapse = "-"),
              x$precision, x$batchSize))
  cat(sprintf("  layer %d: %d x %d weights%s, %s\n", seq_along(units),
              vapply(x$layers, function(l) nrow(l[[1]]), integer(1)), sizes[-1],
              if (is.null(x$ffDir)) "" else " on disk", units), sep = "")
  pre <- vapply(x$rbmList, function(r) as.integer(r$epochs), integer(1))
  cat(sprintf("  pretrained: %s epochs per RBM; fine-tuned: %d epochs with %s\n",
              paste(pre, collapse = "/"), x$epochs, tuner_name(x$fineTuneFunction) %||% "a user function"))
  invisible(x)
}

#' @export
print.RBM <- function(x, ...) {
  cat(sprintf("RBM with %d %s visible and %d binary hidden units, %d epochs trained\n",
              nrow(x$weights), x$visible_units, ncol(x$weights), as.integer(x$epochs)))
  invisible(x)
}

`%||%` <- function(a, b) if (is.null(a)) b else a

#' Summarise a darch
#'
#' @param object A darch.
#' @param ... Unused.
#' @return A data frame, one row per layer: inputs, units, unit function, and the mean and standard
#'   deviation of its weights; printed with the training so far (epochs, last errors).
#' @examples
#' summary(newDArch(c(2, 4, 1), batchSize = 2, logLevel = WARN))
#' @importFrom stats sd
#' @export
summary.DArch <- function(object, ...) {
  weights <- lapply(seq_along(object$layers), function(i) getLayerWeights(object, i))
  layers <- data.frame(
    layer = seq_along(weights),
    inputs = vapply(weights, nrow, integer(1)) - 1L,
    units = vapply(weights, ncol, integer(1)),
    unit = vapply(object$layers, function(l) unit_name(l[[2]]) %||% "a user function", character(1)),
    weight.mean = vapply(weights, function(w) mean(w[-nrow(w), ]), numeric(1)),
    weight.sd = vapply(weights, function(w) if (length(w) > ncol(w) + 1) sd(w[-nrow(w), ]) else NA_real_, numeric(1))
  )
  structure(layers, class = c("summary_DArch", "data.frame"), darch = object)
}

#' @export
print.summary_DArch <- function(x, ...) {
  d <- attr(x, "darch")
  cat(sprintf("DArch: %s precision, batch size %d, weights %s\n", d$precision, d$batchSize,
              if (is.null(d$ffDir)) "in memory" else paste("in", d$ffDir)))
  print(structure(x, class = "data.frame", darch = NULL), row.names = FALSE, digits = 4)
  for (i in seq_along(d$rbmList)) {
    rbm <- d$rbmList[[i]]
    errors <- rbm$errors
    cat(sprintf("RBM %d: %d epochs of pretraining%s\n", i, as.integer(rbm$epochs),
                if (length(errors)) sprintf(", last reconstruction error %.4g", errors[length(errors)]) else ""))
  }
  train <- d$stats$dataErrors
  cat(sprintf("fine-tuning: %d epochs with %s%s\n", d$epochs, tuner_name(d$fineTuneFunction) %||% "a user function",
              if (length(train)) sprintf(", last training error %.4g", train[length(train)]) else ""))
  invisible(x)
}
