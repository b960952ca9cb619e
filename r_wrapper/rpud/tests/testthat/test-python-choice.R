test_that("the chosen Python and the reason are recorded and shown", {
  info <- rpudlInfo()
  expect_s3_class(info, "rpudl_info")
  expect_true(file.exists(info$python$executable))
  expect_match(info$text, "chosen because")
  expect_output(print(info), "CUDA")
  expect_true(is.logical(info$cuda$available))
})

test_that("the rules pick the Python in the documented order", {
  old <- options(rpud.python = NULL, rpud.python.host = NULL)
  on.exit(options(old))
  old_env <- Sys.getenv(c("RETICULATE_PYTHON", "RPUD_PYTHON"), unset = NA)
  on.exit(for (n in names(old_env)) {
    if (is.na(old_env[[n]])) Sys.unsetenv(n) else do.call(Sys.setenv, as.list(old_env[n]))
  }, add = TRUE)
  Sys.unsetenv(c("RETICULATE_PYTHON", "RPUD_PYTHON"))

  # this test session has started Python already, so that rule wins over all others
  choice <- rpud:::choose_python()
  expect_match(choice$reason, "already started")
  expect_true(choice$fixed)
})

test_that("rpudSetPython refuses a path that does not exist", {
  expect_error(rpudSetPython("/no/such/python"), "existing Python executable", class = "rpud_input_error")
})
