# LeNet's layer times on Fashion-MNIST, forward and backward (the README's docs/images/layer-times.png):
#   Rscript benchmarks/layer_times_picture.R layer-times.png
library(rpud)
out <- commandArgs(TRUE)[1]
ds <- rpudlCreateDataSource("fashion-mnist", file.path(tempdir(), "fashion"))
rpudlFindTrainingDataMean(ds, filename = "fashion-data.mean")
rpudl.path <- file.path(path.package(package = "rpud"), "rpudl")
model <- rpudl(file.path(rpudl.path, "lenet_train.prototxt"), data.source = ds)
times <- rpudlTime(model, batch = 64, iter = 50, device = "cpu")
print(times)
png(out, width = 720, height = 400, res = 110)
plot(times)
invisible(dev.off())
