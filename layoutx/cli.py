"""`python -m layoutx COMMAND ...`: one entry point; each command's module is imported only when run,
so `--help` and the pure-Python commands start without loading torch."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from layoutx.errors import LayoutxError

# name -> (module exposing add_arguments(parser) and run(args) -> int, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "values": ("layoutx.commands.values", "parse every entity_value of a train.csv and count failures by reason"),
    "evaluate": ("layoutx.commands.evaluate", "score predictions against gold with the challenge F1"),
    "sanity": ("layoutx.commands.sanity", "check a submission the way the official sanity script does"),
    "download": ("layoutx.io.download", "download the images of a challenge CSV (concurrent, resumable)"),
    "ocr": ("layoutx.ocr.cli", "OCR the images of a CSV into the on-disk OCR cache"),
    "weak-labels": ("layoutx.labels.cli", "match train.csv values to OCR words and build a training dataset"),
    "synth": ("layoutx.synth.cli", "generate labeled synthetic product images"),
    "report": ("layoutx.report", "draw predictions, OCR words and tagged spans on the images (PNG + HTML)"),
    "bench": ("layoutx.bench", "benchmarks (ocr, train, predict, text, real, scale); JSON on the last line"),
    "export-default": ("layoutx.commands.export_default",
                       "make a trained export the default model shipped in the package (layoutx/resources/model)"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m layoutx", description="Read product attributes off photos.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to a command; user mistakes become one line on stderr and exit status 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        parser = build_parser()
        if argv and not argv[0].startswith("-"):
            parser.error(f"unknown command {argv[0]!r}; choose from {', '.join(COMMANDS)}")
        parser.parse_args(argv or ["--help"])
        return 0
    name, rest = argv[0], argv[1:]
    module_name, help_text = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"python -m layoutx {name}", description=help_text)
    module.add_arguments(parser)
    args = parser.parse_args(rest)
    try:
        return int(module.run(args) or 0)
    except LayoutxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
