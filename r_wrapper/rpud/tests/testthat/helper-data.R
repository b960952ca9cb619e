# Writes the four MNIST IDX files (big-endian header, then bytes) into a new folder.
write_idx <- function(path, magic, dims, bytes) {
  con <- file(path, "wb")
  on.exit(close(con))
  writeBin(as.integer(c(magic, dims)), con, size = 4L, endian = "big")
  writeBin(as.raw(bytes), con)
}

make_mnist_dir <- function(n_train = 5L, n_test = 3L) {
  dir <- tempfile("mnist")
  dir.create(dir)
  train <- (seq_len(n_train * 784L) * 7L) %% 256L
  test <- (seq_len(n_test * 784L) * 3L) %% 256L
  write_idx(file.path(dir, "train-images-idx3-ubyte"), 2051L, c(n_train, 28L, 28L), train)
  write_idx(file.path(dir, "train-labels-idx1-ubyte"), 2049L, n_train, seq_len(n_train) %% 10L)
  write_idx(file.path(dir, "t10k-images-idx3-ubyte"), 2051L, c(n_test, 28L, 28L), test)
  write_idx(file.path(dir, "t10k-labels-idx1-ubyte"), 2049L, n_test, c(4L, 2L, 9L)[seq_len(n_test)])
  list(dir = dir, test = matrix(test, nrow = n_test, byrow = TRUE))
}
