# R values marshalled for the engine; pyrpudl/r_convert.py is the other half of this contract
# (validation that needs the engine's knowledge, such as a data set's length, happens there).

# Double, integer and logical matrices and arrays pass as they are: reticulate hands them to
# NumPy as column-major views of R's memory, without a copy.
as_py_array <- function(x, arg = "x") {
  if (is.data.frame(x)) x <- as.matrix(x)
  if (!(is.double(x) || is.integer(x) || is.logical(x))) {
    rpud_abort(c(sprintf("`%s` must be numeric, not %s.", arg, class(x)[1]),
                 i = "Convert it with as.numeric() or data.matrix()."))
  }
  if (is.null(dim(x))) x <- as.array(x)
  x
}

# Examples for predict() and rpudlExtractFeatures(): an array, or (a deploy net of several inputs,
# such as a recurrent net's data and cont) a named list of arrays.
as_py_examples <- function(x, arg = "x") {
  if (is.list(x) && !is.data.frame(x)) {
    if (is.null(names(x)) || any(names(x) == "")) {
      rpud_abort(sprintf("`%s` as a list needs a name for each array: the deploy net's inputs.", arg))
    }
    converted <- lapply(names(x), function(name) as_py_array(x[[name]], paste0(arg, "$", name)))
    names(converted) <- names(x)
    return(converted)
  }
  as_py_array(x, arg)
}

# Labels: a factor becomes 0-based integer codes with its levels kept; integer-valued numbers
# pass as an array (a plain R vector would arrive in Python as a list).
as_py_labels <- function(y, arg = "y") {
  if (anyNA(y)) {
    rpud_abort(sprintf("`%s` contains NA; every example needs a label.", arg))
  }
  if (is.factor(y)) {
    return(list(codes = as.array(as.integer(y) - 1L), levels = as.list(levels(y))))
  }
  if (!is.numeric(y)) {
    rpud_abort(c(sprintf("`%s` must be a factor or integer class labels, not %s.", arg, class(y)[1]),
                 i = "Use factor(y) for character labels."))
  }
  as.array(as.vector(y))
}

# A range c(from, to): 1-based and inclusive, as R users count. The engine turns it into a
# 0-based slice and checks it against the data it indexes.
as_py_range <- function(range, arg = "range") {
  if (!is.numeric(range) || length(range) != 2L || anyNA(range)) {
    rpud_abort(sprintf("`%s` must be two numbers, c(from, to), counting from 1.", arg))
  }
  as.array(as.numeric(range))
}

# Labels coming back from the engine: integer codes, or a factor when levels came with them.
from_py_labels <- function(obj) {
  codes <- as.integer(as.vector(obj$codes))
  if (is.null(obj$levels)) return(codes)
  levels <- unlist(obj$levels)
  factor(levels[codes + 1L], levels = levels)
}

# One string, such as a path or a name.
as_scalar_string <- function(x, arg) {
  if (!is.character(x) || length(x) != 1L || is.na(x) || !nzchar(x)) {
    rpud_abort(sprintf("`%s` must be a single, non-empty string.", arg), call = sys.call(-1L))
  }
  x
}

# One of a fixed set of choices (a whole vector of choices as the default means the first).
match_choice <- function(x, arg, choices) {
  if (identical(x, choices)) return(choices[[1]])
  if (!is.character(x) || length(x) != 1L || !(x %in% choices)) {
    rpud_abort(sprintf("`%s` must be one of %s, not %s.", arg,
                       paste0('"', choices, '"', collapse = ", "), format(x)[1]),
               call = sys.call(-1L))
  }
  x
}
