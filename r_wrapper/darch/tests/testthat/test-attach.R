test_that("library(darch) attaches rpud and reaches the engine", {
  expect_true("package:rpud" %in% search())
  info <- rpudlInfo()
  expect_s3_class(info, "rpudl_info")
})
