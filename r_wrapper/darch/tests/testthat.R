library(testthat)
library(darch)
test_check("darch")
