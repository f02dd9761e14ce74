"""What the rules share: how a knob is named in a message, how dates read, and the lines a
knob's dead branches cover."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..judge import Binding, Facts, evaluate
from ..model import UNKNOWN, Knob, LastSet
from ..names import show


def display(k: Knob) -> str:
    longs = [o for o in k.option_strings if o.startswith("--")]
    if longs:
        return longs[0]
    if k.option_strings:
        return k.option_strings[0]
    return k.name


def day(when: dt.datetime | None) -> str:
    return when.date().isoformat() if when else "an unknown date"


def last_set(b: Binding | None) -> LastSet | None:
    if b is None:
        return None
    return LastSet(b.experiment.label, b.experiment.date, b.value)


def last_set_text(b: Binding | None, what: str = "set to another value") -> str:
    if b is None:
        return f"never {what} by any experiment found"
    value = "" if b.value is UNKNOWN else f" to {show(b.value)}"
    verb = "set" if what.startswith("set") else what.split()[0]
    return f"last {verb}{value} by {b.experiment.label} on {day(b.experiment.date)}"


def dead_lines(facts: Facts, i: int, value: Any) -> int:
    """Lines of the branches gated on knob i that never run when it holds `value`."""
    total = 0
    for g in facts.gates_for(i):
        taken = evaluate(g.op, value, g.value)
        if taken is False and g.combine != "or":
            total += g.body[1] - g.body[0] + 1
        elif taken is True and g.orelse and g.combine != "and":
            total += g.orelse[1] - g.orelse[0] + 1
    return total


def kept(k: Knob, code: str) -> bool:
    return k.keep is not None and (not k.keep or any(code.startswith(c) for c in k.keep))
