"""Deep belief networks with darch 0.9.1's semantics: RBMs pretrained with contrastive divergence,
stacked, then fine-tuned (backpropagation, Rprop, conjugate gradients). Python names are snake_case;
the R package exposes darch's own names through :mod:`pyrpudl.r_api`.
"""

from pyrpudl.darch.finetune import Outcome, fine_tune, pretrain
from pyrpudl.darch.io import load_darch, save_darch
from pyrpudl.darch.log import DarchLog
from pyrpudl.darch.model import DArch, Layer, new_darch, run
from pyrpudl.darch.rbm import RBM, new_rbm, train_rbm
from pyrpudl.darch.tuners import TUNERS
from pyrpudl.darch.units import UNITS

__all__ = [
    "DArch", "DarchLog", "Layer", "Outcome", "RBM", "TUNERS", "UNITS", "fine_tune", "load_darch",
    "new_darch", "new_rbm", "pretrain", "run", "save_darch", "train_rbm",
]  # fmt: skip
