"""Run R code, R scripts and R Markdown from Python, against the same engine (rpy2).

``start()`` embeds R in this process and loads ``library(rpud)``; inside it, reticulate attaches
to this very Python, so R and Python share one engine, one set of loaded modules, one device.

>>> from pyrpudl import r
>>> r.run("rpudlInfo()")                      # doctest: +SKIP
>>> r.render("vignettes/rpudl.Rmd")           # doctest: +SKIP
"""

from pyrpudl.r.host import RError, render, run, source, start

__all__ = ["RError", "render", "run", "source", "start"]
