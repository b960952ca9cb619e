# The README's first command ends here: seed 000's session, on Fashion-MNIST from Debian's
# dataset-fashion-mnist package (CIFAR-10 cannot be downloaded on every machine).
# Rscript scripts/main.R [iterations] [output folder]
args <- commandArgs(trailingOnly = TRUE)
iterations <- if (length(args) >= 1) as.integer(args[1]) else 2000L
out <- if (length(args) >= 2) args[2] else "out"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

library(rpud)
print(rpudlInfo())

ds <- rpudlCreateDataSource(data.format = "fashion-mnist", data.dir = file.path(out, "fashion-mnist"))
print(ds)
rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")

rpudl.path <- file.path(path.package(package = "rpud"), "rpudl")
model <- rpudl(file.path(rpudl.path, "lenet_train.prototxt"), data.source = ds)
print(system.time(model <- rpudlTrain(model, batch = 64, iter = iterations, learning.rate = 0.01)))

num <- 12
obj <- rpudlGetTestingDataSamples(ds, c(1, num))
res <- predict(model, obj$x)
cat(sprintf("%d of %d test samples predicted right\n", sum(obj$y == res), num))

costs <- model$cost.log
plot_file <- file.path(out, "cost.png")
if (requireNamespace("ggplot2", quietly = TRUE)) {
  curve <- ggplot2::ggplot(data.frame(iteration = seq_along(costs), cost = costs),
                           ggplot2::aes(iteration, cost)) +
    ggplot2::geom_point(alpha = 0.15, size = 0.6) + ggplot2::geom_smooth(method = "loess", formula = y ~ x)
  ggplot2::ggsave(plot_file, curve, width = 6, height = 4, dpi = 100)
}
weights <- rpudlGetLayerWeights(model, "conv1")
filter_file <- file.path(out, "conv1-filters.png")
grDevices::png(filter_file, width = 500, height = 500)
rpudlPlotLayerWeights(weights)
invisible(grDevices::dev.off())
cat("wrote", plot_file, "and", filter_file, "\n")
