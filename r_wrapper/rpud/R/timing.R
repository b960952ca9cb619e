#' Time each layer of a model
#'
#' Caffe's `caffe time`: how long each layer of the model's training net takes, forward and
#' backward, on `batch` training examples; the median of `iter` passes after one untimed pass (in
#' which the kernels compile). Layers are timed one by one, so on a GPU the figures are those of
#' launching each layer's kernels and waiting for them: training records its steps as one CUDA
#' graph and takes less than their sum. Not timed: the Data layer (training slices and transforms
#' batches in memory) and the solver's update. The model is not changed. A deploy net (an Input
#' layer, see [rpudl()]) is timed forward on random inputs of its Input's shape, as `caffe time`
#' times a deploy file: an architecture's speed without its data (nothing runs backward).
#'
#' @param model A model built from a train/test prototxt, or from a deploy prototxt.
#' @param batch Training examples per pass.
#' @param iter Timed passes.
#' @param device Where to compute, as in [rpudlTrain()].
#' @return A data frame, one row per layer of the training net: `layer`, `type`, and the median
#'   `forward` and `backward` milliseconds (`NA` for a layer the net does not run backward: one
#'   with nothing to learn and nothing to pass down, such as a frozen layer over the data).
#'   Printed as Caffe's report; `plot()` draws the times as bars.
#' @examples
#' ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
#' rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")
#' rpudl.path <- file.path(path.package(package = "rpud"), "rpudl")
#' model <- rpudl(file.path(rpudl.path, "lenet_train.prototxt"), data.source = ds)
#' times <- rpudlTime(model, batch = 64, iter = 5)
#' times
#' plot(times)
#' @export
rpudlTime <- function(model, batch = 100, iter = 50, device = NULL) {
  check_model(model)
  value <- rpud_call("time_model", model = model$py, batch = check_count(batch, "batch"),
                     iterations = check_count(iter, "iter"), device = optional_device(device))
  backward <- unlist(value$backward)
  times <- data.frame(layer = unlist(value$layer), type = unlist(value$type), forward = unlist(value$forward),
                      backward = ifelse(is.nan(backward), NA_real_, backward), stringsAsFactors = FALSE)
  structure(times, class = c("rpudl_time", "data.frame"), iterations = value$iterations,
            batch = value$batch, device = value$device, net = value$net, total = value$total,
            lines = unlist(value$lines))
}

#' @export
print.rpudl_time <- function(x, ...) {
  if (is.null(attr(x, "lines"))) return(NextMethod())  # a subset: the rows as a data frame
  cat(attr(x, "lines"), sep = "\n")
  invisible(x)
}

#' @export
plot.rpudl_time <- function(x, y, ...) {
  times <- rbind(forward = x$forward, backward = ifelse(is.na(x$backward), 0, x$backward))
  colnames(times) <- x$layer
  times <- times[, rev(seq_len(ncol(times))), drop = FALSE]  # the first layer on top
  old <- graphics::par(mar = c(4.5, max(5, max(nchar(x$layer)) * 0.6 + 1), 3, 1))
  on.exit(graphics::par(old))
  net <- if (nzchar(attr(x, "net"))) paste0(attr(x, "net"), ": ") else ""
  graphics::barplot(times, horiz = TRUE, las = 1, col = c("steelblue", "darkorange"), border = NA,
                    xlim = c(0, 1.04 * max(colSums(times))),
                    xlab = sprintf("milliseconds (median of %d passes)", attr(x, "iterations")),
                    main = sprintf("%s%.1f ms a pass, batch %d on %s", net, attr(x, "total"), attr(x, "batch"),
                                   attr(x, "device")), cex.main = 1, ...)
  graphics::legend("bottomright", c("forward", "backward"), fill = c("steelblue", "darkorange"), bty = "n",
                   border = NA)
  invisible(x)
}
