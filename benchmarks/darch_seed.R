# Seed 001's darch session end to end (construction, 1000 epochs of pretraining per RBM, 1000 of
# backpropagation, execution), timed in R. darch 0.9.1 took 21 s for it on the 2-core dev machine.
# Usage: Rscript benchmarks/darch_seed.R [repeats]   (run from any folder but the checkout's root)
suppressMessages(library(darch))
repeats <- as.integer(commandArgs(TRUE)[1])
if (is.na(repeats)) repeats <- 3L
session <- function() {
  darch <- newDArch(c(2, 4, 1), batchSize = 2, genWeightFunc = generateWeights)
  inputs <- matrix(c(0, 0, 0, 1, 1, 0, 1, 1), ncol = 2, byrow = TRUE)
  outputs <- matrix(c(0, 1, 1, 0), nrow = 4)
  darch <- preTrainDArch(darch, inputs, maxEpoch = 1000)
  layers <- getLayers(darch)
  for (i in length(layers):1) layers[[i]][[2]] <- sigmoidUnitDerivative
  setLayers(darch) <- layers
  setFineTuneFunction(darch) <- backpropagation
  darch <- fineTuneDArch(darch, inputs, outputs, maxEpoch = 1000)
  darch <- getExecuteFunction(darch)(darch, inputs)
  getExecOutputs(darch)
}
first <- system.time(capture.output(session()))[["elapsed"]]  # includes loading the engine
times <- vapply(seq_len(repeats), function(i) system.time(capture.output(session()))[["elapsed"]], 0)
cat(sprintf("seed 001 session: first run %.2f s (engine start included), then median %.2f s of %d (darch 0.9.1: 21 s)\n",
            first, median(times), repeats))
