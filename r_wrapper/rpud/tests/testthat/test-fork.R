test_that("forked R processes (parallel) can run engine kernels", {
  skip_on_os("windows")
  rpudlInfo()  # starts the engine in this process before the fork
  reticulate::py_run_string(paste(
    "import numpy as np",
    "from pyrpudl.kernels.cpu.transform import transform_u8",
    "def _fork_probe(scale):",
    "    pixels = np.full((64, 256), 7, dtype=np.uint8)",
    "    mean = np.ones(256, dtype=np.float32)",
    "    out = np.empty((64, 256), dtype=np.float32)",
    "    transform_u8(out, pixels, mean, np.float32(scale))",
    "    return float(out[0, 0])",
    sep = "\n"
  ))
  probe <- reticulate::py$`_fork_probe`
  expect_equal(probe(1), 6)  # the parallel kernel has run in the parent
  jobs <- lapply(2:3, function(s) parallel::mcparallel(probe(s)))
  results <- parallel::mccollect(jobs, wait = TRUE, timeout = 120)
  expect_equal(unname(unlist(results)), c(12, 18))
})

test_that("predict runs in forked R processes after the parent predicted (the engine's threads)", {
  skip_on_os("windows")
  files <- make_mnist_dir(n_train = 6L, n_test = 3L)
  ds <- rpudlCreateDataSource("mnist", files$dir)
  model <- rpudl(file.path(path.package("rpud"), "rpudl", "lenet_train.prototxt"), data.source = ds)
  images <- rpudlGetTestingDataSamples(ds, c(1, 3))$x
  want <- predict(model, images, type = "prob")  # the parent's worker threads now exist
  jobs <- lapply(1:2, function(i) parallel::mcparallel(predict(model, images, type = "prob")))
  results <- list()
  deadline <- Sys.time() + 120
  while (length(results) < 2L && Sys.time() < deadline) {
    waiting <- Filter(function(job) !(as.character(job$pid) %in% names(results)), jobs)
    results <- c(results, parallel::mccollect(waiting, wait = FALSE, timeout = 1))
  }
  waiting <- Filter(function(job) !(as.character(job$pid) %in% names(results)), jobs)
  if (length(waiting)) tools::pskill(vapply(waiting, function(job) job$pid, 0L))
  expect_length(results, 2L)  # a child waiting on its parent's threads never returns
  for (result in results) expect_equal(result, want, tolerance = 1e-6)
})
