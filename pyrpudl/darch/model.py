"""A deep architecture (darch's ``DArch``): layers of weights with unit functions, and the RBMs that
pretrain them. A value: every training function returns a new one and leaves its argument intact.

A layer's weights are ``(n_in + 1, n_out)``, the bias as the last row, so ``layers[0].weights`` of
``new_darch([2, 4, 1])`` is 3 x 4 as ``getLayerWeights(darch, 1)`` is in R.
"""

from dataclasses import dataclass, field, replace

import numpy as np

from pyrpudl.darch import units
from pyrpudl.darch.log import DarchLog
from pyrpudl.darch.ondisk import copied, is_on_disk, move_to_disk
from pyrpudl.darch.rbm import RBM, check_training_data, new_rbm
from pyrpudl.errors import InputError

PRECISIONS = {"double": np.float64, "single": np.float32}


@dataclass
class Layer:
    weights: np.ndarray
    unit: units.Unit = "sigmoidUnit"
    increments: np.ndarray | None = None  # the last weight change (momentum)
    state: dict[str, np.ndarray] = field(default_factory=dict)  # a fine-tune function's memory

    def copy(self) -> "Layer":
        """A copy; weights kept in files (``ff = TRUE``) are shared, not copied."""
        return replace(self, weights=copied(self.weights), increments=copied(self.increments),
                       state={key: np.array(v) for key, v in self.state.items()})  # fmt: skip


@dataclass
class DArch:
    layers: list[Layer]
    rbms: list[RBM]
    batch_size: int = 1
    learn_rate_weights: float = 0.1
    learn_rate_biases: float = 0.1
    initial_momentum: float = 0.5
    final_momentum: float = 0.9
    momentum_switch: int = 5
    fine_tune_function: str = "backpropagation"
    error_function: str = "quadraticError"
    epochs: int = 0  # fine-tuning epochs so far
    stats: dict[str, list[float]] = field(default_factory=dict)
    seed: int = 0
    draws: int = 0  # samples drawn by binSigmoidUnit layers
    log_level: int = 6
    ff_dir: str | None = None  # with ff = TRUE: the folder of the weight files

    @property
    def on_disk(self) -> bool:
        return self.ff_dir is not None and is_on_disk(self.layers[0].weights)

    @property
    def sizes(self) -> list[int]:
        return [self.layers[0].weights.shape[0] - 1] + [layer.weights.shape[1] for layer in self.layers]

    @property
    def dtype(self):
        return self.layers[0].weights.dtype

    def copy(self, rbms: bool = True) -> "DArch":
        """A copy; with ``rbms=False`` the copy shares the RBM objects (for work that leaves them
        alone, such as each epoch's fallback copy in fine-tuning)."""
        return replace(
            self,
            layers=[layer.copy() for layer in self.layers],
            rbms=[rbm.copy() for rbm in self.rbms] if rbms else list(self.rbms),
            stats={key: list(v) for key, v in self.stats.items()},
        )

    def momentum(self) -> float:
        """The momentum of the next fine-tuning epoch: initial up to ``momentum_switch`` epochs, then
        final (darch 0.9.1 never switched: its backpropagation kept the initial momentum)."""
        return self.final_momentum if self.epochs >= self.momentum_switch else self.initial_momentum

    def with_units(self, unit: units.Unit, layers: list[int] | None = None) -> "DArch":
        """A copy whose layers (all, or the 0-based ``layers``) use ``unit``."""
        copy = self.copy()
        for i in range(len(copy.layers)) if layers is None else layers:
            copy.layers[i].unit = units.check_unit(unit, f"layer {i + 1}")
        return copy


def check_sizes(layers: object) -> list[int]:
    sizes = np.asarray(layers).ravel()
    if (
        sizes.size < 2
        or sizes.dtype.kind not in "fiu"
        or np.any(sizes < 1)
        or np.any(sizes != np.round(sizes))
    ):
        raise InputError("layers must be at least two positive whole numbers of units, e.g. c(2, 4, 1)")
    return [int(s) for s in sizes]


def new_darch(
    layers: list[int],
    batch_size: int = 1,
    seed: int = 0,
    precision: str = "double",
    visible_units: str = "binary",
    log: DarchLog | None = None,
    ff_dir: str | None = None,
    **rbm_settings,
) -> DArch:
    """``newDArch``: one RBM per pair of adjacent layer sizes, weights N(0, 0.1^2), sigmoid units.

    ``visible_units="gaussian"`` gives the first RBM Gaussian visible units, for real-valued inputs.
    ``ff_dir`` keeps the weights in memory-mapped files in that folder (darch's ``ff = TRUE``).

    Parameters
    ----------
    layers
        Units per layer, inputs first, such as ``[2, 4, 1]``.
    batch_size
        Examples per update in pretraining and fine-tuning.
    seed
        Seed of the initial weights and of every random draw in training.
    precision
        ``"double"`` or ``"single"`` (CUDA trains single precision only).
    visible_units
        ``"binary"`` or ``"gaussian"`` visible units of the first RBM.
    log
        Where darch's log lines go (:class:`~pyrpudl.darch.log.DarchLog`); ``print`` at INFO by default.
    ff_dir
        A folder to keep the weights in memory-mapped files (``ff = TRUE``), or None.
    **rbm_settings
        RBM fields to set on every RBM (``learn_rate_weights``, ``weight_cost``, ...).

    Returns
    -------
    DArch
        Sigmoid layers, one untrained RBM per pair of adjacent layers.
    """
    log = log or DarchLog.make()
    sizes = check_sizes(layers)
    if int(batch_size) < 1:
        raise InputError(f"batchSize must be at least 1, not {batch_size}")
    if precision not in PRECISIONS:
        raise InputError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    log.info(f"Constructing a darch with {len(sizes)} layers.")
    log.info("Generating RBMs.")
    rbms = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        log.info(f"Construct new RBM instance with {n_in} visible and {n_out} hidden units.")
        rbm = new_rbm(
            n_in, n_out, int(batch_size), seed=seed + i, dtype=PRECISIONS[precision], **rbm_settings
        )
        rbm.visible_units = visible_units if i == 0 else "binary"
        rbm.layer = i
        rbms.append(rbm)
    darch = DArch([layer_of(rbm) for rbm in rbms], rbms, int(batch_size), seed=seed, log_level=log.threshold)
    if ff_dir is not None:
        move_to_disk(darch, ff_dir)
        darch.ff_dir = str(ff_dir)
    return darch


def layer_of(rbm: RBM, unit: units.Unit = "sigmoidUnit") -> Layer:
    """The network layer an RBM pretrains: its weights with the hidden biases as the last row."""
    return Layer(np.vstack([rbm.weights, rbm.hidden_biases[None, :]]), unit)


def check_darch_data(darch: DArch, data: object, what: str = "data") -> np.ndarray:
    return check_training_data(data, darch.sizes[0], darch.dtype, what)


def run(darch: DArch, data: object, derivatives: bool = False) -> tuple[list[np.ndarray], list]:
    """The outputs of every layer for ``data`` (darch's ``runDArch``), and their derivatives.

    Parameters
    ----------
    darch
        The network.
    data
        A matrix with one example per row and one column per input unit.
    derivatives
        Also return each layer's derivative (as fine-tuning uses them).

    Returns
    -------
    tuple of (list of numpy.ndarray, list)
        The outputs of every layer, last layer last, and their derivatives (None unless asked).
    """
    x = check_darch_data(darch, data)
    outputs, slopes = [], []
    keys = units.Keys(darch.seed, 1000, darch.draws)
    for i, layer in enumerate(darch.layers):
        keys.layer = 1000 + i
        x, d = units.forward(x, layer.weights, layer.unit, derivatives, keys, f"layer {i + 1}")
        outputs.append(x)
        slopes.append(d)
    return outputs, slopes


def final_output(darch: DArch, x: np.ndarray, rows: int = 2048) -> np.ndarray:
    """The last layer's output for checked data ``x``, in blocks of rows that stay in cache."""
    keys = units.Keys(darch.seed, 1000, darch.draws)
    blocks = []
    for block, start in enumerate(range(0, x.shape[0], rows)):
        y = x[start : start + rows]
        for i, layer in enumerate(darch.layers):
            keys.layer, keys.draw = 1000 + i, darch.draws + block  # binSigmoidUnit: one draw per block
            y = units.forward(y, layer.weights, layer.unit, False, keys, f"layer {i + 1}")[0]
        blocks.append(y)
    return np.concatenate(blocks)
