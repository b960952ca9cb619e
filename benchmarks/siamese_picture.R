# The siamese net's 2-D features of 2000 Fashion-MNIST test images, coloured by class (the README's
# docs/images/siamese-features.png), from a model saved by benchmarks/siamese_fashion.py:
#   Rscript benchmarks/siamese_picture.R siamese.npz siamese-features.png
library(rpud)
ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
model <- rpudlLoadModel(commandArgs(TRUE)[1], rpudlCreatePairDataSource(ds))
obj <- rpudlGetTestingDataSamples(ds, c(1, 2000))
features <- rpudlExtractFeatures(model, cbind(obj$x, obj$x), "feat")  # each image paired with itself
names <- c("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
           "Ankle boot")
colours <- grDevices::palette.colors(10, "Tableau 10")
png(commandArgs(TRUE)[2], width = 720, height = 520)
par(mar = c(4, 4, 2, 11), xpd = FALSE)
plot(features, col = colours[obj$y + 1], pch = 16, cex = 0.5, xlab = "feature 1", ylab = "feature 2",
     main = "siamese features of 2000 Fashion-MNIST test images")
legend("topright", inset = c(-0.25, 0), legend = names, col = colours, pch = 16, bty = "n", xpd = TRUE)
dev.off()
