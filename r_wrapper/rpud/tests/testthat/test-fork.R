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
