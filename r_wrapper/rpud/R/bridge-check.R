# A round trip through the bridge, with the same converters every rpud function uses: the
# engine reports how a matrix and labels arrived (zero-copy? column-major?) and sends them back.
bridge_check <- function(x, y, report = TRUE) {
  value <- rpud_call("bridge_check",
                     x = as_py_array(x, "x"),
                     y = as_py_labels(y, "y"),
                     report = if (report) rpud_reporter() else FALSE)
  value$y <- from_py_labels(value$y)
  value
}
