"""What the command-line tools share: a bad input file or output path ends the tool with a message
naming the file (and the line, for a malformed log), never with a traceback."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from .data import Log, LogFormatError, load_log


def log_or_exit(parser: argparse.ArgumentParser, path: str) -> Log:
    try:
        return load_log(path)
    except LogFormatError as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    except (OSError, EOFError, UnicodeDecodeError) as error:  # missing, unreadable, truncated, not text
        parser.exit(2, f"{parser.prog}: error: cannot read {path}: {error}\n")


def writable_or_exit(parser: argparse.ArgumentParser, path: str | None) -> None:
    """Refuse an output path whose folder cannot be written before a long run, not after it."""
    if path and not os.access(Path(path).resolve().parent, os.W_OK):
        parser.error(f"cannot write {path}: its folder does not exist or is not writable")


def print_and_write(result: dict, path: str | None) -> None:
    """A tool's JSON result on stdout, and in ``path`` when given."""
    print(json.dumps(result, indent=1))
    if path:
        with open(path, "w") as fh:
            json.dump(result, fh, indent=1)
