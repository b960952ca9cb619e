# darch's unit functions and error functions. Each is a working R function (darch's contract:
# `f(data, weights)` with the ones column already in `data`, returning list(activation[, derivative]));
# when a layer uses one of these, the engine runs its own kernel for it instead of calling R.

#' Unit functions of darch
#'
#' Each takes the layer's input with a column of ones appended (`cbind(x, 1)`) and the layer's
#' weights (bias as last row) and returns a list: the activation, and for the `...Derivative`
#' versions its derivative too (which fine-tuning needs). A function you write with the same
#' contract also works as a layer's unit function (called back from the engine, so slower).
#' `binSigmoidUnit` samples binary states from the sigmoid probabilities.
#'
#' @param data The input with a ones column, `cbind(x, 1)`.
#' @param weights The weight matrix, `(ncol(x) + 1) x units`.
#' @return A list of the activation matrix (and its derivative).
#' @examples
#' x <- cbind(matrix(c(0, 0, 1, 1, 0, 1, 0, 1), 4), 1)
#' w <- generateWeights(3, 2)
#' sigmoidUnitDerivative(x, w)
#' @name unitFunctions
NULL

#' @rdname unitFunctions
#' @export
sigmoidUnit <- function(data, weights) list(1 / (1 + exp(-data %*% weights)))

#' @rdname unitFunctions
#' @export
sigmoidUnitDerivative <- function(data, weights) {
  s <- 1 / (1 + exp(-data %*% weights))
  list(s, s * (1 - s))
}

#' @rdname unitFunctions
#' @importFrom stats runif
#' @export
binSigmoidUnit <- function(data, weights) {
  s <- 1 / (1 + exp(-data %*% weights))
  list((s > matrix(runif(length(s)), nrow(s))) * 1)
}

#' @rdname unitFunctions
#' @export
linearUnit <- function(data, weights) list(data %*% weights)

#' @rdname unitFunctions
#' @export
linearUnitDerivative <- function(data, weights) {
  a <- data %*% weights
  list(a, matrix(1, nrow(a), ncol(a)))
}

#' @rdname unitFunctions
#' @export
softmaxUnit <- function(data, weights) {
  a <- data %*% weights
  e <- exp(a - apply(a, 1, max))
  list(e / rowSums(e))
}

#' @rdname unitFunctions
#' @export
softmaxUnitDerivative <- function(data, weights) {
  y <- softmaxUnit(data, weights)[[1]]
  list(y, y * (1 - y))
}

#' @rdname unitFunctions
#' @export
tanhUnit <- function(data, weights) list(tanh(data %*% weights))

#' @rdname unitFunctions
#' @export
tanhUnitDerivative <- function(data, weights) {
  t <- tanh(data %*% weights)
  list(t, 1 - t^2)
}

#' Error functions of darch
#'
#' @param original The targets.
#' @param estimate The network's outputs.
#' @return A list: the error's name and its value. `quadraticError` sums the squared differences,
#'   `mseError` averages that sum over the rows, `crossEntropyError` is
#'   \eqn{-\sum d \log y + (1 - d) \log(1 - y)}.
#' @examples
#' quadraticError(matrix(c(0, 1)), matrix(c(0.1, 0.8)))
#' @name errorFunctions
NULL

#' @rdname errorFunctions
#' @export
quadraticError <- function(original, estimate) list("Quadratic-Error", sum((original - estimate)^2))

#' @rdname errorFunctions
#' @export
mseError <- function(original, estimate) {
  list("Mean-Squared-Error", sum((original - estimate)^2) / NROW(original))
}

#' @rdname errorFunctions
#' @export
crossEntropyError <- function(original, estimate) {
  y <- pmin(pmax(estimate, .Machine$double.eps), 1 - .Machine$double.eps)
  list("Cross-Entropy-Error", -sum(original * log(y) + (1 - original) * log(1 - y)))
}

# The name of one of the package's functions among `names`, or NULL for any other function.
package_function_name <- function(f, names) {
  ns <- asNamespace("rpud")
  for (name in names) if (identical(f, get(name, envir = ns))) return(name)
  NULL
}

unit_names <- c("sigmoidUnit", "sigmoidUnitDerivative", "binSigmoidUnit", "linearUnit",
                "linearUnitDerivative", "softmaxUnit", "softmaxUnitDerivative", "tanhUnit",
                "tanhUnitDerivative")
tuner_names <- c("backpropagation", "rpropagation", "minimizeClassifier", "minimizeAutoencoder")

unit_name <- function(f) package_function_name(f, unit_names)
tuner_name <- function(f) package_function_name(f, tuner_names)
error_name <- function(f) package_function_name(f, c("quadraticError", "mseError", "crossEntropyError"))
