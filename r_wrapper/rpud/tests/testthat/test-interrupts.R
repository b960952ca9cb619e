# A Ctrl-C while the engine runs R code (a progress callback) must reach Python, which stops
# cleanly, and never make R unwind past Python's frames: that left Python broken, and the next
# engine call crashed R.
test_that("Ctrl-C inside an R callback stops the engine call cleanly and the engine stays usable", {
  skip_on_os("windows")  # no SIGINT to send
  ctrl_c_then_work <- function(line) {
    tools::pskill(Sys.getpid(), tools::SIGINT)  # what the console sends on Ctrl-C
    x <- 0
    for (i in 1:200000) x <- x + 1  # R looks at pending interrupts while it evaluates
    message("the callback ran to its end")
  }
  x <- matrix(1, 2, 2)
  for (attempt in 1:3) {
    got <- tryCatch(
      expect_message(rpud:::rpud_call("bridge_check", x = x, y = 1:2, report = ctrl_c_then_work),
                     "ran to its end"),
      rpud_interrupt = function(e) "python took it",
      interrupt = function(e) "R took it inside Python"
    )
    expect_identical(got, "python took it")
    back <- rpud:::bridge_check(x, 1:2, report = FALSE)
    expect_identical(back$x, x)
  }
})
