# darch(): the one-call convenience, with defaults that learn.

test_that("darch() learns iris through the formula interface and predicts classes as levels", {
  set.seed(1)
  model <- darch(Species ~ ., iris, layers = 10, darch.numEpochs = 30)
  classes <- predict(model, iris, type = "class")
  expect_s3_class(classes, "factor")
  expect_identical(levels(classes), levels(iris$Species))
  expect_gt(mean(classes == iris$Species), 0.95)
  raw <- predict(model, iris[1:5, ], type = "raw")
  expect_equal(dim(raw), c(5L, 3L))
  expect_equal(rowSums(raw), rep(1, 5), tolerance = 1e-10)
  expect_true(all(predict(model, iris[1:5, ], type = "bin") %in% c(0, 1)))
  expect_length(getStats(model)$dataErrors, 30L)
})

test_that("darch() fits a regression with the matrix interface, with pretraining and validation", {
  set.seed(2)
  x <- matrix(runif(400, -2, 2), ncol = 2)
  y <- sin(x[, 1]) + 0.5 * x[, 2]
  model <- darch(x[1:150, ], y[1:150], layers = 12, rbm.numEpochs = 2, darch.numEpochs = 60,
                 xValid = x[151:200, ], yValid = y[151:200])
  prediction <- predict(model, x[151:200, ])
  expect_lt(mean((prediction - y[151:200])^2), 0.1 * var(y))
  expect_length(getStats(model)$validErrors, 60L)
})

test_that("darch() explains bad input", {
  expect_error(darch(matrix(1:6, 3), factor(c("a", "b"))), "y has 2 values but x has 3 rows",
               class = "rpud_input_error")
  model <- darch(matrix(runif(20), 10), factor(rep(c("a", "b"), 5)), darch.numEpochs = 1)
  expect_error(predict(model, matrix(0, 2, 3)), "3 input columns; the model was fitted with 2",
               class = "rpud_input_error")
  expect_error(predict(model, matrix(0, 2, 2), type = "prob"), "raw", class = "rpud_input_error")
})
