"""GitHub Actions workflow commands, so findings show inline in a pull request's diff:

    ::warning file=train.py,line=12,col=5,endLine=14,title=STL102 stale-flag::flag `--use-ema` is ...

Escaping follows @actions/core: in the message `%`, CR and LF; in properties also `:` and `,`.
"""
from __future__ import annotations

from ..model import Result
from .text import size, summary


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **props: object) -> str:
    shown = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{kind}{' ' + shown if shown else ''}::{escape_data(message)}"


def render(result: Result) -> str:
    from .. import rules

    names = {r.CODE: r.NAME for r in rules.RULES} | {c: n for c, (n, _) in rules.ERRORS.items()}
    out: list[str] = []
    for f in result.findings:
        end = f.end_line if f.end_line and f.end_line > f.line else None
        out.append(command("warning", f"{f.message}{size(f)} (confidence {f.confidence}%)", file=f.path, line=f.line,
                           col=f.column or None, endLine=end, title=f"{f.code} {f.rule}"))
    for p in result.errors:
        out.append(command("error", p.message, file=p.path, line=p.line, title=f"{p.code} {names.get(p.code, 'error')}"))
    for n in result.notices:
        out.append(command("notice", n, title="stalelint"))
    out.append(summary(result))
    return "\n".join(out) + "\n"
