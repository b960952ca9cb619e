"""R from Python with ``pyrpudl.r``: an embedded R runs R code and R Markdown against the engine that
this Python process holds, so a model trained in an R chunk is the same object in Python.

    .venv/bin/python vignettes/r_from_python.py [output folder]

It renders a small R Markdown document into the output folder (default: out/r-from-python).
"""

import sys
from pathlib import Path

import numpy as np

from pyrpudl import r

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "out/r-from-python").resolve()
OUT.mkdir(parents=True, exist_ok=True)

# An R chunk, run from Python: darch's XOR network, with R's own random numbers.
r.run("""
library(darch)
set.seed(7)
xor <- newDArch(c(2, 4, 1), batchSize = 4, logLevel = WARN)
for (i in 1:2) setLayerFunction(xor, i) <- sigmoidUnitDerivative
setFineTuneFunction(xor) <- minimizeClassifier
inputs <- matrix(c(0, 0, 0, 1, 1, 0, 1, 1), ncol = 2, byrow = TRUE)
xor <- fineTuneDArch(xor, inputs, matrix(c(0, 1, 1, 0)), maxEpoch = 100)
""")
outputs = r.run("round(getExecOutput(runDArch(xor, inputs)), 3)")  # an R value, back in Python
print("XOR from an R chunk:", [float(v) for v in np.asarray(outputs).ravel()])

# R Markdown rendered by the embedded R: its chunks reach the same engine.
document = OUT / "engine.Rmd"
document.write_text("""---
title: "The engine, from R Markdown rendered by Python"
output: md_document
---

```{r}
library(rpud)
info <- rpudlInfo()
info$device
set.seed(1)
model <- darch(Species ~ ., iris, layers = 10, darch.numEpochs = 20)
mean(predict(model, iris, type = "class") == iris$Species)
```
""")
r.render(document)
print("rendered", document.with_suffix(".md"))
