"""The ``pyrpudl`` command line."""

import argparse
import json
import sys


def _info(args: argparse.Namespace) -> int:
    from pyrpudl.info import collect, format_info

    info = collect()
    print(json.dumps(info, indent=2) if args.json else format_info(info))
    return 0


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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
