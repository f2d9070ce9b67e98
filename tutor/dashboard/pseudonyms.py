"""Names for projecting a class: "Learner 1..n" in an order drawn afresh each time a teacher switches
anonymising on, so that the numbers say nothing about who is who (in enrolment or alphabetical
order, "Learner 1" would always be the same child).

The order is a shuffle seeded by a short random token the page carries in `?anon=TOKEN`: the same
token gives the same names on a reload, in the live updates, on the drill-down and in the CSV, and
switching anonymising on again draws a new token and so a new order. Rows are shown in pseudonym
order, since rows in enrolment order would give the mapping away."""

import random
import re
import secrets

TOKEN = re.compile(r"[A-Za-z0-9]{1,32}")


class BadToken(ValueError):
    pass


def new_token() -> str:
    return secrets.token_hex(4)


def token_from(value: str | None) -> str | None:
    """The anonymising token of a request's `anon` parameter: None when absent or empty (names are
    shown); BadToken for anything but 1 to 32 ASCII letters and digits."""
    if not value:
        return None
    if not TOKEN.fullmatch(value):
        raise BadToken("anon must be 1 to 32 letters or digits (the page's own link sets it)")
    return value


def pseudonyms(learner_ids, token: str) -> dict[int, str]:
    """Learner id -> "Learner n", a permutation drawn from the token alone (not from the ids' order)."""
    order = sorted(learner_ids)
    random.Random(token).shuffle(order)
    return {pk: f"Learner {n}" for n, pk in enumerate(order, 1)}
