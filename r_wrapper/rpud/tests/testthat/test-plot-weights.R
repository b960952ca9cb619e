test_that("filters are drawn as a grid of images in grey or colour", {
  for (channels in c(1L, 3L)) {
    file <- tempfile(fileext = ".png")
    grDevices::png(file, width = 200, height = 200)
    w <- array(stats::rnorm(6 * channels * 5 * 5), dim = c(6L, channels, 5L, 5L))
    expect_identical(rpudlPlotLayerWeights(w), w)
    grDevices::dev.off()
    expect_gt(file.size(file), 500)
  }
  expect_error(rpudlPlotLayerWeights(matrix(0, 2, 2)), "num_output x channels", class = "rpud_input_error")
})
