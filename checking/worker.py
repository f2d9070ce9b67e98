"""The sandboxed comparison worker: one JSON request per line on stdin, one JSON reply per line.

Started by sandbox.py with an address-space limit; the parent enforces the time limit by killing
this process, so nothing here needs to watch the clock.
"""

import json
import resource
import sys


def _limit_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _answer(request: dict) -> dict:
    from .equivalence import first_match
    from .errors import CouldNotRead

    try:
        return {"match": first_match(request["mode"], request["given"], request["candidates"])}
    except CouldNotRead as error:
        return {"unreadable": str(error)}
    except (MemoryError, RecursionError, ValueError, TypeError, ZeroDivisionError, AttributeError):
        return {"unreadable": "that expression is too complicated to check"}


def main() -> None:
    _limit_memory(int(sys.argv[1]))
    from . import equivalence  # noqa: F401  (import sympy once, before saying ready)

    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for line in sys.stdin:
        reply = _answer(json.loads(line))
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
