# Eight Fashion-MNIST test images, their label maps and what the segmentation net makes of them
# (the README's docs/images/segmentation.png), from the folder benchmarks/segmentation_fashion.py
# keeps:
#   .venv/bin/python benchmarks/segmentation_fashion.py 2000 - /tmp/fcn
#   Rscript benchmarks/segmentation_picture.R /tmp/fcn segmentation.png
library(rpud)
args <- commandArgs(TRUE)
out <- normalizePath(args[2], mustWork = FALSE)
setwd(args[1])  # the net names its HDF5 lists relative to here
model <- rpudlLoadModel("fcn.npz")
ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
obj <- rpudlGetTestingDataSamples(ds, c(1, 8))
scores <- rpudlExtractFeatures(model, obj$x / 255, "upscore")  # 8 x 11 x 28 x 28
names <- c("background", "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot")
colours <- c("#FFFFFF", grDevices::palette.colors(10, "Tableau 10"))
draw <- function(m, col, breaks) {
  image(t(m)[, 28:1], col = col, breaks = breaks, axes = FALSE, useRaster = TRUE)
  box(col = "grey70")
}
png(out, width = 960, height = 400)
layout(cbind(matrix(1:24, 3, 8, byrow = TRUE), 25))
par(mar = c(0.3, 0.3, 0.3, 0.3), oma = c(0, 6, 0, 0))
pixels <- lapply(1:8, function(i) matrix(obj$x[i, ], 28, 28, byrow = TRUE))
for (i in 1:8) draw(pixels[[i]], grey(seq(1, 0, length.out = 64)), seq(0, 255, length.out = 65))
for (i in 1:8) draw(ifelse(pixels[[i]] > 25, obj$y[i] + 1, 0), colours, seq(-0.5, 10.5))
for (i in 1:8) draw(apply(scores[i, , , ], c(2, 3), which.max) - 1, colours, seq(-0.5, 10.5))
mtext(c("image", "label map", "the net's"), side = 2, outer = TRUE, at = c(5 / 6, 1 / 2, 1 / 6), line = 1)
plot.new()
legend("center", legend = names, fill = colours, bty = "n", cex = 1.1)
invisible(dev.off())
cat("wrote", out, "\n")
