library(testthat)
library(rpud)
test_check("rpud")
