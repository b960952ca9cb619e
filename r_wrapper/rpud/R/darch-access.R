# Getters and setters of darch 0.9.1. Setters are replacement functions: `setLayers(darch) <- x`
# changes the caller's copy only.

#' Layers of a darch
#'
#' A darch's layers are a list; layer `i` is `list(weights, unitFunction, weightChanges)`, where
#' the weights are `(inputs + 1) x units` with the biases as the last row. Change a unit function
#' with `layers[[i]][[2]] <- sigmoidUnitDerivative; setLayers(darch) <- layers`, or
#' `setLayerFunction(darch, i) <- ...`.
#'
#' @param darch A darch.
#' @param index The layer's number.
#' @param value The new value.
#' @param weights,biases,unitFunction For `addLayer`: a weight matrix (inputs x units), a bias
#'   vector, and a unit function.
#' @return Getters return the part asked for; setters and `addLayer` the changed darch.
#' @examples
#' darch <- newDArch(c(2, 4, 1), batchSize = 2, logLevel = WARN)
#' getLayerWeights(darch, 1)
#' layers <- getLayers(darch)
#' for (i in length(layers):1) layers[[i]][[2]] <- sigmoidUnitDerivative
#' setLayers(darch) <- layers
#' @name darchLayers
NULL

#' @rdname darchLayers
#' @export
getLayers <- function(darch) { check_darch(darch); darch$layers }

#' @rdname darchLayers
#' @export
`setLayers<-` <- function(darch, value) {
  check_darch(darch)
  if (!is.list(value) || length(value) != length(darch$layers)) {
    rpud_abort(sprintf("the layers must be a list of %d layers; use addLayer() to add one.", length(darch$layers)))
  }
  for (i in seq_along(value)) {
    check_layer(value[[i]], darch$layers[[i]], i)
    value[[i]][[1]] <- keep_on_disk(value[[i]][[1]], darch$layers[[i]][[1]])
  }
  darch$layers <- value
  darch
}

# With ff = TRUE a new weight matrix is written into the layer's file, which the darch keeps.
keep_on_disk <- function(new, old) {
  if (!inherits(old, "rpud_disk_matrix") || inherits(new, "rpud_disk_matrix")) return(new)
  rpud_call("write_matrix", path = unclass(old)$path, values = new, call = NULL)
  old
}

check_layer <- function(layer, old, i) {
  if (!is.list(layer) || length(layer) < 2L || !is_weights(layer[[1]]) || !is.function(layer[[2]])) {
    rpud_abort(sprintf("layer %d must be list(weights matrix, unit function).", i), call = sys.call(-1L))
  }
  if (!identical(dim(layer[[1]]), dim(old[[1]]))) {
    rpud_abort(sprintf("the weights of layer %d must be %d x %d, not %s.", i, nrow(old[[1]]), ncol(old[[1]]),
                       paste(dim(layer[[1]]), collapse = " x ")), call = sys.call(-1L))
  }
}

#' @rdname darchLayers
#' @export
getLayer <- function(darch, index) { check_darch(darch); darch$layers[[index]] }

#' @rdname darchLayers
#' @export
`setLayer<-` <- function(darch, index, value) {
  check_darch(darch)
  check_layer(value, darch$layers[[index]], index)
  value[[1]] <- keep_on_disk(value[[1]], darch$layers[[index]][[1]])
  darch$layers[[index]] <- value
  darch
}

#' @rdname darchLayers
#' @export
getLayerWeights <- function(darch, index) { check_darch(darch); as_weight_matrix(darch$layers[[index]][[1]]) }

#' @rdname darchLayers
#' @export
`setLayerWeights<-` <- function(darch, index, value) {
  layer <- getLayer(darch, index)
  layer[[1]] <- value
  setLayer(darch, index) <- layer
  darch
}

#' @rdname darchLayers
#' @export
getLayerFunction <- function(darch, index) { check_darch(darch); darch$layers[[index]][[2]] }

#' @rdname darchLayers
#' @export
`setLayerFunction<-` <- function(darch, index, value) {
  if (!is.function(value)) rpud_abort("a unit function must be a function, such as sigmoidUnitDerivative.")
  layer <- getLayer(darch, index)
  layer[[2]] <- value
  setLayer(darch, index) <- layer
  darch
}

#' @rdname darchLayers
#' @export
addLayer <- function(darch, weights, biases, unitFunction) {
  check_darch(darch)
  if (!is.null(darch$ffDir)) rpud_abort("addLayer() needs a darch made with ff = FALSE.")
  last <- darch$layers[[length(darch$layers)]][[1]]
  if (!is.matrix(weights) || nrow(weights) != ncol(last) || length(biases) != ncol(weights)) {
    rpud_abort(sprintf("the new layer needs a %d-row weight matrix and one bias per column.", ncol(last)))
  }
  darch$layers[[length(darch$layers) + 1L]] <- list(rbind(weights, biases, deparse.level = 0), unitFunction)
  darch
}

#' Settings of a darch
#'
#' Fine-tuning uses the darch's fine-tune function, error function, learning rates, momentum
#' schedule (the initial momentum for the first `momentumSwitch` epochs, then the final one) and
#' batch size.
#'
#' @param darch A darch.
#' @param value The new value.
#' @return Getters return the setting; setters the changed darch.
#' @examples
#' darch <- newDArch(c(2, 4, 1), batchSize = 2, logLevel = WARN)
#' setFineTuneFunction(darch) <- rpropagation
#' setLearnRateWeights(darch) <- 0.5
#' getLearnRateWeights(darch)
#' @name darchSettings
NULL

darch_setter <- function(field, check) {
  force(field)
  function(darch, value) {
    check_darch(darch)
    darch[[field]] <- check(value)
    darch
  }
}
darch_getter <- function(field) {
  force(field)
  function(darch) { check_darch(darch); darch[[field]] }
}
positive_number <- function(value) {
  if (!is.numeric(value) || length(value) != 1L || is.na(value) || value < 0) {
    rpud_abort("the value must be one non-negative number.", call = NULL)
  }
  as.numeric(value)
}
a_function <- function(names) {
  function(value) {
    if (!is.function(value) || (!is.null(names) && is.null(package_function_name(value, names)))) {
      rpud_abort(c("unknown function.", i = paste("Use one of:", paste(names, collapse = ", "))), call = NULL)
    }
    value
  }
}

#' @rdname darchSettings
#' @export
getFineTuneFunction <- darch_getter("fineTuneFunction")
#' @rdname darchSettings
#' @export
`setFineTuneFunction<-` <- darch_setter("fineTuneFunction", a_function(tuner_names))
#' @rdname darchSettings
#' @export
getErrorFunction <- darch_getter("errorFunction")
#' @rdname darchSettings
#' @export
`setErrorFunction<-` <- darch_setter("errorFunction", a_function(NULL))
#' @rdname darchSettings
#' @export
getExecuteFunction <- darch_getter("executeFunction")
#' @rdname darchSettings
#' @export
`setExecuteFunction<-` <- darch_setter("executeFunction", a_function(NULL))
#' @rdname darchSettings
#' @export
getLearnRateWeights <- darch_getter("learnRateWeights")
#' @rdname darchSettings
#' @export
`setLearnRateWeights<-` <- darch_setter("learnRateWeights", positive_number)
#' @rdname darchSettings
#' @export
getLearnRateBiases <- darch_getter("learnRateBiases")
#' @rdname darchSettings
#' @export
`setLearnRateBiases<-` <- darch_setter("learnRateBiases", positive_number)
#' @rdname darchSettings
#' @export
getInitialMomentum <- darch_getter("initialMomentum")
#' @rdname darchSettings
#' @export
`setInitialMomentum<-` <- darch_setter("initialMomentum", positive_number)
#' @rdname darchSettings
#' @export
getFinalMomentum <- darch_getter("finalMomentum")
#' @rdname darchSettings
#' @export
`setFinalMomentum<-` <- darch_setter("finalMomentum", positive_number)
#' @rdname darchSettings
#' @export
getMomentumSwitch <- darch_getter("momentumSwitch")
#' @rdname darchSettings
#' @export
`setMomentumSwitch<-` <- darch_setter("momentumSwitch", function(v) check_count(v, "momentumSwitch", 0))
#' @rdname darchSettings
#' @export
getBatchSize <- darch_getter("batchSize")
#' @rdname darchSettings
#' @export
`setBatchSize<-` <- darch_setter("batchSize", function(v) check_count(v, "batchSize"))
#' @rdname darchSettings
#' @export
getRBMList <- darch_getter("rbmList")
#' @rdname darchSettings
#' @export
getStats <- darch_getter("stats")

#' Save and load a darch
#'
#' `saveDArch` writes the darch (R functions included) with R's [save()] to `name` plus `.net`, as
#' darch 0.9.1 did; `loadDArch` reads it back.
#'
#' @param darch A darch.
#' @param name The file name without `.net`.
#' @param saveRBM Keep the RBMs (set `FALSE` to save space once pretraining is done).
#' @param ... Unused.
#' @return `saveDArch`: the file, invisibly. `loadDArch`: the darch.
#' @examples
#' darch <- newDArch(c(2, 4, 1), batchSize = 2, logLevel = WARN)
#' file <- saveDArch(darch, file.path(tempdir(), "xor"))
#' identical(loadDArch(file.path(tempdir(), "xor")), darch)
#' @export
saveDArch <- function(darch, name = "darch", saveRBM = TRUE, ...) {
  check_darch(darch)
  if (!saveRBM) darch$rbmList <- list()
  file <- paste0(as_scalar_string(name, "name"), ".net")
  if (!is.null(darch$ffDir)) {
    # ff = TRUE: the weight files are copied beside the .net file, as "<name>.ff"
    folder <- paste0(name, ".ff")
    dir.create(folder, showWarnings = FALSE)
    files <- list.files(darch$ffDir, pattern = "^(layer|rbm).*[0-9a-z_]\\.npy$", full.names = TRUE)
    file.copy(files[!grepl("last-good", files)], folder, overwrite = TRUE)
    darch <- rebase_disk(darch, normalizePath(folder))
  }
  save(darch, file = file)
  invisible(file)
}

rebase_disk <- function(darch, folder) {
  for (i in seq_along(darch$layers)) {
    w <- darch$layers[[i]][[1]]
    darch$layers[[i]][[1]] <- disk_matrix(file.path(folder, basename(unclass(w)$path)), dim(w))
  }
  darch$ffDir <- folder
  darch
}

#' @rdname saveDArch
#' @export
loadDArch <- function(name = "darch", ...) {
  file <- paste0(as_scalar_string(name, "name"), ".net")
  if (!file.exists(file)) rpud_abort(sprintf("no saved darch at %s; saveDArch() writes one.", file))
  env <- new.env()
  load(file, envir = env)
  if (!exists("darch", envir = env) || !inherits(env$darch, "DArch")) {
    rpud_abort(sprintf("%s holds no darch.", file))
  }
  darch <- env$darch
  if (!is.null(darch$ffDir)) darch <- rebase_disk(darch, normalizePath(paste0(name, ".ff")))
  darch
}

#' Plot a darch's training error
#'
#' @param x A darch.
#' @param y Unused.
#' @param ... Passed to [graphics::plot()].
#' @return `x`, invisibly.
#' @examples
#' darch <- newDArch(c(2, 4, 1), batchSize = 2, logLevel = WARN)
#' x <- matrix(c(0, 0, 0, 1, 1, 0, 1, 1), ncol = 2, byrow = TRUE)
#' darch <- fineTuneDArch(darch, x, matrix(c(0, 1, 1, 0)), maxEpoch = 5)
#' plot(darch)
#' @export
plot.DArch <- function(x, y, ...) {
  errors <- x$stats$dataErrors
  if (!length(errors)) rpud_abort("the darch has no fine-tuning errors to plot yet: run fineTuneDArch() first.")
  graphics::plot(seq_along(errors), errors, type = "l", xlab = "epoch", ylab = "training error",
                 main = "darch fine-tuning", ...)
  invisible(x)
}
