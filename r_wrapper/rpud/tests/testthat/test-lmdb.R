test_that("R matrices and arrays are written to LMDB and read back as a data source", {
  dir <- tempfile("lmdb")
  x <- matrix((1:(6 * 12)) %% 256L, nrow = 6)            # 6 images of 3 x 2 x 2, one per row
  y <- factor(c("a", "b", "a", "c", "b", "a"))
  rpudlWriteLMDB(x, y, file.path(dir, "toy_train_lmdb"), shape = c(3, 2, 2))
  arr <- array(as.integer((1:(2 * 12)) %% 256L), dim = c(2, 3, 2, 2))
  rpudlWriteLMDB(arr, c(1, 0), file.path(dir, "toy_test_lmdb"), format = "rpudl")
  expect_error(rpudlCreateDataSource("lmdb", dir), "no image shape", class = "rpud_input_error")

  ds <- rpudlCreateDataSource("lmdb", dir, shape = c(3, 2, 2))
  expect_output(print(ds), "training: 6 images, test: 2 images, each 3 x 2 x 2")
  samples <- rpudlGetTestingDataSamples(ds, c(1, 2))
  expect_equal(samples$x, matrix(aperm(arr, c(1, 4, 3, 2)), nrow = 2))  # rows in C, H, W order
  expect_identical(samples$y, c(1L, 0L))
})

test_that("a data source converts to Caffe LMDB databases", {
  files <- make_mnist_dir()
  ds <- rpudlCreateDataSource("mnist", files$dir)
  out <- tempfile("converted")
  paths <- rpudlConvertToLMDB(ds, out)
  expect_equal(basename(paths), c("mnist_train_lmdb", "mnist_test_lmdb"))
  converted <- rpudlCreateDataSource("lmdb", out)
  expect_equal(rpudlGetTestingDataSamples(converted, c(1, 3)), rpudlGetTestingDataSamples(ds, c(1, 3)))
  expect_error(rpudlConvertToLMDB(ds, out), "exists already", class = "rpud_input_error")
})

test_that("bad LMDB exports say what is wrong", {
  x <- matrix(0, nrow = 2, ncol = 12)
  expect_error(rpudlWriteLMDB(x, 1:2, tempfile()), "give shape", class = "rpud_input_error")
  expect_error(rpudlWriteLMDB(x + 300, 1:2, tempfile(), shape = c(3, 2, 2)), "0 to 255",
               class = "rpud_input_error")
  expect_error(rpudlWriteLMDB(x, 1:3, tempfile(), shape = c(3, 2, 2)), "2 images but 3 labels",
               class = "rpud_input_error")
  expect_error(rpudlWriteLMDB(x, 1:2, tempfile(), shape = c(3, 2)), "three positive whole numbers",
               class = "rpud_input_error")
})
