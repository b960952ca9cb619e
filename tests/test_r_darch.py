"""The R side's darch dicts: what R sends arrives as a DArch, what comes back is what R merges, and
bad objects give error records rather than tracebacks."""

import numpy as np

from pyrpudl import r_api
from pyrpudl.r_darch import darch_from_r

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float, order="F")
Y = np.array([[0], [1], [1], [0]], float, order="F")


def r_darch(sizes=(2, 4, 1), precision="double"):
    """A darch as R's newDArch() sends it (column-major matrices, R names for functions)."""
    rng = np.random.default_rng(0)
    layers, rbms = [], []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        w = np.asfortranarray(rng.normal(0, 0.1, (a, b)))
        layers.append(
            {"weights": np.asfortranarray(np.vstack([w, np.zeros((1, b))])), "unit": "sigmoidUnitDerivative"}
        )
        rbms.append({"weights": w, "visible_biases": np.zeros(a), "hidden_biases": np.zeros(b),
                     "batch_size": 2, "learn_rate_weights": 0.1, "visible_units": "binary", "epochs": 0,
                     "errors": [], "seed": 5 + i, "layer": i, "draws": 0})  # fmt: skip
    return {"layers": layers, "rbms": rbms, "batch_size": 2, "learn_rate_weights": 0.1,
            "learn_rate_biases": 0.1, "initial_momentum": 0.5, "final_momentum": 0.9, "momentum_switch": 5,
            "fine_tune_function": "backpropagation", "error_function": "quadraticError", "epochs": 0,
            "stats": {}, "seed": 11, "draws": 0, "log_level": 4, "precision": precision}  # fmt: skip


def test_pretrain_and_fine_tune_through_invoke():
    d = r_darch()
    result = r_api.invoke("darch_pretrain", {"darch": d, "data": X, "max_epoch": 3, "report": False})
    assert result["ok"], result
    back = result["value"]["darch"]
    assert back["rbms"][0]["epochs"] == 3 and len(back["rbms"][1]["errors"]) == 3
    assert back["layers"][0]["weights"].shape == (3, 4)
    np.testing.assert_array_equal(back["layers"][0]["weights"][:2], back["rbms"][0]["weights"])
    d["layers"] = [
        dict(layer, weights=new["weights"]) for layer, new in zip(d["layers"], back["layers"], strict=True)
    ]
    tuned = r_api.invoke(
        "darch_fine_tune", {"darch": d, "data": X, "targets": Y, "max_epoch": 4, "report": False}
    )
    assert tuned["ok"], tuned
    assert tuned["value"]["darch"]["epochs"] == 4 and len(tuned["value"]["darch"]["stats"]["dataErrors"]) == 4
    outputs = r_api.invoke("darch_run", {"darch": d, "data": X})["value"]
    assert [o.shape for o in outputs] == [(4, 4), (4, 1)]


def test_single_precision_and_scalars_as_r_sends_them():
    d = r_darch(precision="single")
    d["rbms"][0]["errors"] = 0.25  # a length-one R vector arrives as a scalar
    model = darch_from_r(d)
    assert model.dtype == np.float32 and model.rbms[0].errors == [0.25]
    assert model.layers[0].weights.flags.c_contiguous


def test_bad_darch_objects_are_error_records():
    d = r_darch()
    d["layers"][1]["weights"] = np.zeros((3, 1))
    result = r_api.invoke("darch_run", {"darch": d, "data": X})
    assert not result["ok"] and "rpud_input_error" in result["classes"]
    assert "layer 2 has 3 weight rows but layer 1 has 4 units" in result["message"]
    d = r_darch()
    d["layers"][0]["unit"] = "reluUnit"
    assert "unknown unit function 'reluUnit'" in r_api.invoke("darch_run", {"darch": d, "data": X})["message"]
    d = r_darch()
    d["fine_tune_function"] = "sgd"
    result = r_api.invoke("darch_step", {"darch": d, "data": X, "targets": Y})
    assert "use one of backpropagation" in result["message"]
