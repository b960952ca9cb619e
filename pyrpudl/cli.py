"""The ``pyrpudl`` command line."""

import argparse
import json
import sys


def _info(args: argparse.Namespace) -> int:
    from pyrpudl.info import collect, format_info

    info = collect()
    print(json.dumps(info, indent=2) if args.json else format_info(info))
    return 0


def _source(args: argparse.Namespace):
    from pyrpudl.data import create_data_source

    return create_data_source(args.data_format, args.data_dir, download=not args.no_download)


def _model(args: argparse.Namespace):
    """The model of ``args.prototxt`` on the data arguments' source (a net of HDF5Data or
    ImageData layers: the files it names)."""
    from pyrpudl.errors import InputError
    from pyrpudl.model import create_model

    if reads_its_own_files(args.prototxt):  # HDF5Data and ImageData layers read the files they name
        return create_model(args.prototxt, seed=args.seed)
    if args.data_format is None or args.data_dir is None:
        raise InputError(
            f"give the data's format and folder, e.g. pyrpudl {args.command} net.prototxt mnist data/mnist"
        )
    source = _source(args)
    source.find_training_mean(args.mean)
    return create_model(args.prototxt, source, seed=args.seed)


def _train(args: argparse.Namespace) -> int:
    """Train a prototxt model on a data source, save it, report test accuracy on a sample (a net
    that does not predict one class per example, such as an autoencoder, a segmentation or a
    recurrent net: its TEST net's outputs, cost and accuracy if it has one)."""
    import numpy as np

    from pyrpudl.backend import get_backend
    from pyrpudl.model import class_scores, predict
    from pyrpudl.model_io import save_model
    from pyrpudl.net.caffemodel import load_weights
    from pyrpudl.net.transform import batch_size
    from pyrpudl.proto import rpudl_model_pb2 as pb
    from pyrpudl.solver.snapshot import plan_snapshots, restore_snapshot
    from pyrpudl.solver.solver_types import solver_settings
    from pyrpudl.solver.testing import Evaluator, evaluation_line
    from pyrpudl.solver.trainer import train

    model = _model(args)
    source = model.source
    if args.weights:
        model, report = load_weights(model, args.weights)
        print(report.describe(args.weights))
    if args.restore:
        model = restore_snapshot(model, args.restore, args.solver_type)
        print(f"restored {args.restore} at iteration {model.iteration}")
    solver = solver_settings(args.solver, args.solver_type, args.learning_rate)
    plan = plan_snapshots(solver, args.snapshot, args.snapshot_prefix, args.solver, model.spec.name)
    if plan.note:
        print(plan.note)
    outcome = train(model, args.batch, args.iterations, solver, display=args.display, device=args.device,
                    test_interval=args.test_interval, snapshot=plan.every,
                    snapshot_prefix=plan.prefix)  # fmt: skip
    if args.output:
        print(f"saved {save_model(outcome.model, args.output)}")
    count = min(args.test, len(source.test_images))
    per_example = class_scores(model.spec) is not None and not source.label_maps and not source.train_side
    if count and not per_example:  # the TEST net's own outputs
        batch = batch_size(outcome.model.data_layer("TEST")) or 100
        tested = pb.SolverParameter(test_iter=[-(-count // batch)])
        evaluator = Evaluator.for_run(
            outcome.model, outcome.model.params.to(get_backend(args.device)), tested
        )
        print(
            evaluation_line(outcome.model.iteration, evaluator.run(), len(evaluator.images), evaluator.what)
        )
    elif count:
        x, y = source.testing_samples(0, count)
        right = float(np.mean(predict(outcome.model, x.reshape(count, -1), device=args.device) == y))
        print(f"test accuracy on the first {count} test {source.noun}: {right:.4f}")
    return 0 if outcome.stopped is None else 1


def reads_its_own_files(prototxt: str) -> bool:
    """Whether the net's TRAIN data come from HDF5Data or ImageData layers (which name their files)."""
    from pyrpudl.errors import InputError
    from pyrpudl.net import parse_net
    from pyrpudl.net.state import FILE_DATA_TYPES
    from pyrpudl.net.transform import data_layer

    try:
        return data_layer(parse_net(prototxt), "TRAIN").type in FILE_DATA_TYPES
    except InputError:  # create_model says what is wrong with the file
        return False


def _time(args: argparse.Namespace) -> int:
    """Caffe's ``caffe time``: each layer's forward and backward time in the training net."""
    from pyrpudl.timing import time_model

    timing = time_model(_model(args), args.batch, args.iterations, args.device)
    print("\n".join(timing.lines()))
    return 0


def _convert(args: argparse.Namespace) -> int:
    """Write a data source's training and test sets as LMDB databases (Caffe's or rpudl's Datum)."""
    for path in _source(args).export_lmdb(args.output, args.kind):
        print(f"wrote {path}")
    return 0


def _add_data_arguments(command: argparse.ArgumentParser, optional: bool = False) -> None:
    """The data's format and folder (``optional``: a net of HDF5Data or ImageData layers names its
    files)."""
    more = {"nargs": "?"} if optional else {}
    command.add_argument(
        "data_format",
        choices=["cifar10", "mnist", "fashion-mnist"],
        **more,
        help="the data's format" + (" (none for a net of HDF5Data or ImageData layers)" if optional else ""),
    )
    command.add_argument("data_dir", **more, help="the data's folder (downloaded there when missing)")
    command.add_argument("--no-download", action="store_true", help="never download the data")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyrpudl", description="Deep learning for R users on a Numba engine."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    info = commands.add_parser(
        "info", help="show versions, the Python in use, CPU threads and whether CUDA is usable"
    )
    info.add_argument("--json", action="store_true", help="print the report as JSON")
    info.set_defaults(handler=_info)

    train = commands.add_parser("train", help="train a Caffe-style prototxt model on a data source")
    train.add_argument(
        "prototxt", help="the model (a train/test prototxt with Data, HDF5Data or ImageData layers)"
    )
    _add_data_arguments(train, optional=True)
    train.add_argument("--iterations", type=int, default=4000, help="solver iterations (default 4000)")
    train.add_argument("--batch", type=int, default=100, help="examples per iteration (default 100)")
    train.add_argument("--solver", help="a Caffe solver prototxt (learning rate, policy, momentum, ...)")
    train.add_argument("--solver-type", help="SGD (default), Nesterov, AdaGrad, RMSProp, AdaDelta or Adam")
    train.add_argument("--learning-rate", type=float, help="overrides the solver's base_lr")
    train.add_argument("--display", type=int, default=100, help="print progress every N iterations")
    train.add_argument("--test-interval", type=int, help="test every N iterations (default: the solver's)")
    train.add_argument("--device", choices=["auto", "cpu", "cuda"], help="default: $PYRPUDL_DEVICE or auto")
    train.add_argument("--mean", default="mean.binaryproto", help="the mean image's file in the data folder")
    train.add_argument("--output", help="save the trained model to this .npz file")
    train.add_argument(
        "--weights",
        help="start from a Caffe .caffemodel's (or .caffemodel.h5's) trained layers (matched by name)",
    )
    train.add_argument("--restore", help="resume from a snapshot's .solverstate (pyrpudl's or Caffe's)")
    train.add_argument("--snapshot", type=int, help="snapshot every N iterations (default: the solver's)")
    train.add_argument(
        "--snapshot-prefix", help="snapshot files' prefix: PREFIX_iter_N.caffemodel, .solverstate"
    )
    train.add_argument("--test", type=int, default=1000, help="test images to report accuracy on (0: none)")
    train.add_argument("--seed", type=int, default=0, help="seed of the initial weights")
    train.set_defaults(handler=_train)

    timer = commands.add_parser(
        "time", help="time each layer's forward and backward pass in a model's training net (caffe time)"
    )
    timer.add_argument(
        "prototxt", help="the model (a train/test prototxt with Data, HDF5Data or ImageData layers)"
    )
    _add_data_arguments(timer, optional=True)
    timer.add_argument("--iterations", type=int, default=50, help="timed passes (default 50)")
    timer.add_argument("--batch", type=int, default=100, help="examples per pass (default 100)")
    timer.add_argument("--device", choices=["auto", "cpu", "cuda"], help="default: $PYRPUDL_DEVICE or auto")
    timer.add_argument("--mean", default="mean.binaryproto", help="the mean image's file in the data folder")
    timer.add_argument("--seed", type=int, default=0, help="seed of the initial weights")
    timer.set_defaults(handler=_time)

    convert = commands.add_parser("convert", help="write a data source's images as LMDB databases")
    _add_data_arguments(convert)
    convert.add_argument("output", help="the folder for train_lmdb and test_lmdb")
    convert.add_argument("--kind", choices=["caffe", "rpudl"], default="caffe",
                         help="Caffe's Datum (default) or rpudl's smaller one")  # fmt: skip
    convert.set_defaults(handler=_convert)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pyrpudl.errors import PyrpudlError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except PyrpudlError as exc:  # a message for the user, not a traceback
        print(f"pyrpudl {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
