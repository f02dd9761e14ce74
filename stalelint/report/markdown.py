"""GitHub-flavoured Markdown: summary counts, a table of the top findings with their evidence, and the
rest in a collapsed <details> section. It is the body of the pull-request comment too (see
`stalelint.comment`), which reuses the pieces below."""
from __future__ import annotations

from typing import Callable, Sequence

from ..model import Finding, Problem, Result
from . import ranking

TOP = 10
# GitHub rejects a comment over 65536 characters; leave room for the parts around the tables
BUDGET = 60_000

Link = Callable[[str, int | None], str]


def _plain(text: str) -> str:
    """Text outside code spans: no raw HTML (so no comment marker can be forged), no table breaks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def cell(text: str) -> str:
    """One table cell: on one line; `|` escaped everywhere (GFM splits cells before code spans);
    `<`, `>` and `&` escaped outside code spans, where they would be HTML."""
    parts = " ".join(text.split()).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: the tail is not code
        parts[-2:] = [parts[-2] + "\\`" + parts[-1]]
    return "`".join(p.replace("|", "\\|") if i % 2 else _plain(p) for i, p in enumerate(parts))


def ranked(findings: Sequence[Finding]) -> list[Finding]:
    """Most worth acting on first (see ranking): tried and abandoned, then dead tricks and
    variants, by lines a fix would delete."""
    return sorted(findings, key=ranking.key)


def where(path: str, line: int | None, link: Link | None = None) -> str:
    text = f"`{path}:{line}`" if line else f"`{path}`"
    text = text.replace("|", "\\|")
    return f"[{text}]({link(path, line)})" if link else text


def evidence(f: Finding) -> str:
    parts: list[str] = []
    e = f.evidence
    if e is not None:
        parts.append(f"{e.recent_experiments} recent of {e.total_experiments} experiments")
        if e.recent_settings:
            parts.append(f"{e.recent_settings} set it to its default")
        if e.last_set is not None:
            when = e.last_set.date.date().isoformat() if e.last_set.date else "undated"
            parts.append(f"last use: `{e.last_set.source}` ({when})")
        else:
            parts.append("no use found")
    if f.removable_lines:
        parts.append(f"{f.removable_lines} line{'s' if f.removable_lines != 1 else ''}")
    parts.append(f"confidence {f.confidence}%")
    return "; ".join(parts)


def row(f: Finding, link: Link | None = None) -> str:
    return (f"| {f.code} {f.rule} | {where(f.path, f.line, link)} | {cell(f.message)} | {cell(evidence(f))} |")


HEADER = "| Rule | Where | Finding | Evidence |\n| --- | --- | --- | --- |"


def table(findings: Sequence[Finding], link: Link | None = None, budget: int = BUDGET) -> str:
    """A table of findings, cut short (with a line saying how many were left out) at `budget` chars."""
    lines = [HEADER]
    used = len(HEADER)
    for i, f in enumerate(findings):
        r = row(f, link)
        if used + len(r) + 1 > budget:
            lines.append(f"\n…and {len(findings) - i} more not shown here; `stalelint check` lists them all.")
            break
        lines.append(r)
        used += len(r) + 1
    return "\n".join(lines)


def counts(result: Result) -> str:
    n = len(result.findings)
    by_code = ", ".join(f"{code} ×{k}" for code, k in sorted(result.counts.items()))
    text = f"**{n} finding{'s' if n != 1 else ''}**" + (f" ({by_code})" if by_code else "")
    if result.errors:
        text += f" and **{len(result.errors)} error{'s' if len(result.errors) != 1 else ''}**"
    start = result.window.start.date().isoformat()
    hidden = (f" · {result.hidden} more below confidence {result.min_confidence} hidden (`--min-confidence 0` "
              f"shows {'them' if result.hidden != 1 else 'it'})") if result.hidden else ""
    return (f"{text} · {result.experiments_total} experiments read, {result.experiments_recent} recent "
            f"(since {start}) · {result.knobs} knobs in {result.files} files{hidden}")


def details(summary_text: str, body: str) -> str:
    return f"<details>\n<summary>{summary_text}</summary>\n\n{body}\n\n</details>"


def findings_section(result: Result, link: Link | None = None, top: int = TOP, budget: int = BUDGET) -> str:
    """The top findings as a table, the rest collapsed, then errors and notes."""
    order = ranked(result.findings)
    extras = problems_section(result.errors, link)
    if result.notices:
        extras.append(details("Notes", "\n".join(f"- {cell(n)}" for n in result.notices)))
    budget -= sum(len(e) for e in extras)  # errors and notes first: the tables get what is left
    out: list[str] = []
    if order:
        first = table(order[:top], link, max(budget // 2, 2_000))
        out.append(first)
        rest = order[top:]
        if rest:
            out.append(details(f"{len(rest)} more finding{'s' if len(rest) != 1 else ''}",
                               table(rest, link, max(budget - len(first), 1_000))))
    return "\n\n".join(out + extras)


def problems_section(errors: Sequence[Problem], link: Link | None = None) -> list[str]:
    if not errors:
        return []
    lines = [f"- {p.code} {where(p.path, p.line, link)}: {cell(p.message[:300])}" for p in errors[:50]]
    if len(errors) > 50:
        lines.append(f"- …and {len(errors) - 50} more")
    return ["**Errors** (files or evidence that could not be read):\n\n" + "\n".join(lines)]


def render(result: Result, link: Link | None = None) -> str:
    section = findings_section(result, link)
    return f"## stalelint\n\n{counts(result)}\n" + (f"\n{section}\n" if section else "")
