# Caffe's ImageData layer from R: a folder of PNG files and two lists, read by rpudl() itself.
write_picture <- function(file, colour) {
  grDevices::png(file, width = 12, height = 10)
  graphics::par(mar = c(0, 0, 0, 0))
  graphics::plot.new()
  graphics::rasterImage(as.raster(matrix(colour, 10, 12)), 0, 0, 1, 1, interpolate = FALSE)
  grDevices::dev.off()
}

test_that("a net of ImageData layers trains on the images its lists name", {
  dir <- tempfile("images")
  dir.create(file.path(dir, "pictures"), recursive = TRUE)
  for (phase in c("train", "test")) {
    labels <- rep(0:1, 4)
    files <- sprintf("pictures/%s%d.png", phase, seq_along(labels))
    for (i in seq_along(files)) write_picture(file.path(dir, files[i]), c("red", "blue")[labels[i] + 1])
    writeLines(paste(files, labels), file.path(dir, paste0(phase, ".txt")))
  }
  prototxt <- file.path(dir, "net.prototxt")
  writeLines(c(
    'layer { name: "data" type: "ImageData" top: "data" top: "label" include { phase: TRAIN }',
    '        transform_param { scale: 0.00390625 }',
    '        image_data_param { source: "train.txt" batch_size: 4 new_height: 8 new_width: 8 } }',
    'layer { name: "data" type: "ImageData" top: "data" top: "label" include { phase: TEST }',
    '        transform_param { scale: 0.00390625 }',
    '        image_data_param { source: "test.txt" batch_size: 4 new_height: 8 new_width: 8 } }',
    'layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"',
    '        inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }',
    'layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }'), prototxt)
  model <- rpudl(prototxt)
  expect_output(print(model), "imagedata")
  trained <- suppressMessages(rpudlTrain(model, batch = 4, iter = 50, learning.rate = 0.05, display = 0,
                                         test.interval = 50))
  expect_equal(tail(trained$test.log$accuracy, 1), 1)
  expect_equal(dim(rpudlGetLayerWeights(trained, "ip")), c(2L, 3L * 8L * 8L))
  writeLines("pictures/none.png 0", file.path(dir, "test.txt"))
  expect_error(rpudl(prototxt), "test.txt, line 1: the image pictures/none.png is neither there",
               class = "rpud_input_error")
})
