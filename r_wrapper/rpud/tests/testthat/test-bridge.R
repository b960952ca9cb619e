test_that("double and integer matrices arrive zero-copy and column-major, and come back equal", {
  x <- matrix(c(0.5, 1, 2, 3, 5, 8), nrow = 3)
  expect_message(back <- rpud:::bridge_check(x, c(1L, 0L, 1L)), "zero-copy")
  expect_identical(back$x, x)
  expect_true(back$zero_copy)
  expect_true(back$column_major)
  expect_false(back$writeable)  # the engine cannot scribble on R's memory
  xi <- matrix(1:6, nrow = 2)
  expect_silent(back_i <- rpud:::bridge_check(xi, 1:2, report = FALSE))
  expect_identical(back_i$x, xi)
})

test_that("integer labels stay integers and factors keep their levels", {
  x <- matrix(0, nrow = 4, ncol = 2)
  expect_identical(rpud:::bridge_check(x, c(3L, 1L, 0L, 9L), report = FALSE)$y, c(3L, 1L, 0L, 9L))
  expect_identical(rpud:::bridge_check(x, c(3, 1, 0, 9), report = FALSE)$y, c(3L, 1L, 0L, 9L))
  f <- factor(c("truck", "cat", "cat", "ship"), levels = c("cat", "ship", "truck", "unused"))
  expect_identical(rpud:::bridge_check(x, f, report = FALSE)$y, f)
  one <- factor(rep("only", 4))
  expect_identical(rpud:::bridge_check(x, one, report = FALSE)$y, one)
})

test_that("engine errors are classed R errors with the engine's message", {
  x <- matrix(0, nrow = 3, ncol = 2)
  err <- expect_error(rpud:::bridge_check(x, 1:2, report = FALSE), class = "rpud_input_error")
  expect_s3_class(err, "rpud_error")
  expect_equal(conditionMessage(err), "x has 3 rows but y has 2 labels; give one label per row of x")
  expect_match(rpudLastError()$message, "x has 3 rows")
  expect_equal(rpudLastError()$python_type, "InputError")
  expect_output(print(rpudLastError()), "Traceback")
})

test_that("bad R input is stopped in R with the argument's name", {
  x <- matrix(0, nrow = 2, ncol = 2)
  expect_error(rpud:::bridge_check(x, c(1L, NA)), "`y` contains NA", class = "rpud_input_error")
  expect_error(rpud:::bridge_check(x, c("a", "b")), "Use factor", class = "rpud_input_error")
  expect_error(rpud:::bridge_check(letters[1:4], 1:2), "`x` must be numeric", class = "rpud_input_error")
  expect_error(rpud:::as_py_range(c(1, 2, 3), "range"), "c\\(from, to\\)", class = "rpud_input_error")
})

test_that("data frames are accepted as matrices", {
  df <- data.frame(a = c(1, 2), b = c(3, 4))
  expect_equal(unname(rpud:::bridge_check(df, 1:2, report = FALSE)$x), unname(as.matrix(df)))
})
