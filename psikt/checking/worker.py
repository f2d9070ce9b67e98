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
    from .answers import judge, preview
    from .errors import CouldNotRead
    from .sandbox import TOO_COMPLICATED
    from .spec import AnswerSpec

    try:
        spec = AnswerSpec.from_dict(request["spec"])
        if request["op"] == "preview":
            return {"preview": preview(spec, request["text"]).to_dict()}
        judgement = judge(spec, request["given"], request["mistakes"], algebra=True)
        return {"verdict": judgement.verdict, "index": judgement.index, "reason": judgement.reason}
    except CouldNotRead as error:
        return {"unreadable": str(error)}
    except (MemoryError, RecursionError, ValueError, TypeError, ZeroDivisionError, AttributeError,
            NotImplementedError):
        return {"unreadable": TOO_COMPLICATED}


def main() -> None:
    _limit_memory(int(sys.argv[1]))
    from . import answers, equivalence, parser  # noqa: F401  (import sympy once, before saying ready)

    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for line in sys.stdin:
        reply = _answer(json.loads(line))
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
