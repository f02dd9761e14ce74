"""The command line: check, fix, graveyard, restore, baseline, comment, experiments, rules, demo, clean."""
from __future__ import annotations

import gc
import io
import os
import sys
from pathlib import Path

import click

from . import __version__, baseline, config, report, rules
from .check import experiments as gather_experiments
from .check import run, window_for
from .config import ConfigError, Settings
from .discover import git_root
from .model import Result, Window
from .progress import Progress


def _root_and_scope(path: str) -> tuple[Path, tuple[str, ...]]:
    target = Path(path).resolve()
    if not target.exists():
        raise click.UsageError(f"path {path!r} does not exist")
    folder = target if target.is_dir() else target.parent
    root = git_root(folder) or _project_root(folder)
    root = root.resolve()
    rel = target.relative_to(root).as_posix() if target != root else ""
    return root, ((rel,) if rel else ())


def _project_root(folder: Path) -> Path:
    for candidate in [folder, *folder.parents]:
        if (candidate / "pyproject.toml").is_file():
            return candidate
    return folder


def _settings(root: Path, config_file: str | None, **overrides) -> Settings:
    try:
        settings = config.load(root, Path(config_file) if config_file else None)
        if overrides.get("since") is not None:
            overrides["since_days"] = config.parse_since(overrides.pop("since"))
        if overrides.get("grace") is not None:
            overrides["grace_days"] = config.parse_since(overrides.pop("grace"), "grace period")
        for key in ("select", "ignore", "extend_select"):
            if overrides.get(key) is not None:
                overrides[key] = config.parse_codes(overrides[key])
        return settings.with_overrides(**overrides)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def _window(as_of: str | None, settings: Settings):
    try:
        return window_for(as_of, settings.since_days, settings.grace_days)
    except ValueError:
        raise click.UsageError(f"--as-of must be a date like 2026-11-27, got {as_of!r}") from None


def _analyse(root: Path, settings: Settings, window: Window, scope: tuple[str, ...] = (), label: str = "",
             use_cache: bool = True, jobs: int | None = None) -> Result:
    """`run`, with a status line on stderr when that is a terminal and the run takes a while."""
    with Progress(sys.stderr) as progress:
        return run(root, settings, window, scope, progress=lambda stage: progress(label + stage), use_cache=use_cache,
                   jobs=jobs)


def _in_scope(path: str, scope: tuple[str, ...]) -> bool:
    return not scope or any(path == p or path.startswith(p.rstrip("/") + "/") for p in scope)


_common = [
    click.option("--since", help="Window: experiments older than this are not recent (180d, 26w, 1y)."),
    click.option("--as-of", "as_of", help="Judge as of this date (YYYY-MM-DD); default now."),
    click.option("--grace", help="Grace period: knobs introduced more recently are not judged yet (default 30d)."),
    click.option("--mlflow-uri", "mlflow_uri",
                 help="Read runs from this MLflow tracking server (http://host:5000), SQLite store "
                      "(sqlite:///mlflow.db) or file store folder. A token may come from MLFLOW_TRACKING_TOKEN."),
    click.option("--tracker-timeout", "tracker_timeout", type=click.FloatRange(min=0.001),
                 help="Seconds a tracker server may take per request (default 10)."),
    click.option("--config", "config_file", type=click.Path(dir_okay=False),
                 help="Read [tool.stalelint] from this file instead of the project's pyproject.toml."),
]


def common(f):
    for option in reversed(_common):
        f = option(f)
    return f


_finding_filters = [
    click.option("--select", help="Only these codes or prefixes (comma-separated), e.g. STL1,STL301; default: "
                                  "the rules on by default (`stalelint rules`)."),
    click.option("--extend-select", "extend_select", help="Also these codes or prefixes, e.g. STL104."),
    click.option("--ignore", help="Skip these codes or prefixes."),
    click.option("--min-confidence", type=click.IntRange(0, 100),
                 help="Leave out findings below this confidence (default 50; 0 shows every finding)."),
]


def finding_filters(f):
    """The options that choose which findings a command reports (check, baseline, comment)."""
    for option in reversed(_finding_filters):
        f = option(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="stalelint")
def cli() -> None:
    """Find the config flags, model variants and training tricks no recent experiment uses."""
    for stream in (sys.stdout, sys.stderr):
        # a file name of bytes that are no UTF-8 reaches Python as surrogates (os.fsdecode): printed
        # as those bytes, as `ls` does, rather than a crash on the first finding in it
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="surrogateescape")


@cli.command()
@click.argument("path", default=".", type=click.Path())
@common
@finding_filters
@click.option("--output-format", "fmt", type=click.Choice(sorted(report.FORMATS)), default="text",
              show_default=True)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Report only findings not recorded in this baseline file (see `stalelint baseline`).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write .stalelint_cache/ (index every file).")
@click.option("--jobs", type=click.IntRange(1, 256), help="Processes that parse files (default: one per core "
              "when there is enough to parse).")
def check(path, since, as_of, grace, mlflow_uri, tracker_timeout, config_file, select, extend_select, ignore, fmt,
          min_confidence, exit_zero, baseline_file, no_cache, jobs) -> None:
    """Report stale knobs in the repository at PATH (findings limited to PATH when it is inside)."""
    root, scope = _root_and_scope(path)
    settings = _settings(root, config_file, since=since, grace=grace, select=select, extend_select=extend_select,
                         ignore=ignore, min_confidence=min_confidence, mlflow_uri=mlflow_uri,
                         tracker_timeout=tracker_timeout)
    known = None
    if baseline_file:
        try:
            known = baseline.load(Path(baseline_file))
        except baseline.BaselineError as exc:
            raise click.UsageError(str(exc)) from None
    result = _analyse(root, settings, _window(as_of, settings), scope, use_cache=not no_cache, jobs=jobs)
    if known is not None:
        result = baseline.apply(result, known, baseline_file, lambda code, p: (
            rules.selected(code, settings.select, settings.ignore, settings.extend_select) and _in_scope(p, scope)))
    if fmt == "text":
        click.echo(report.text.render(result, color=report.text.use_color(sys.stdout)), nl=False)
    else:
        click.echo(report.FORMATS[fmt].render(result), nl=False)
    found = bool(result.findings or result.errors)
    sys.exit(0 if exit_zero or not found else 1)


@cli.command("baseline")
@click.argument("path", default=".", type=click.Path())
@common
@finding_filters
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False),
              help=f"Write the baseline here (default: {baseline.DEFAULT_FILE} at the repository root).")
def baseline_cmd(path, since, as_of, grace, mlflow_uri, tracker_timeout, config_file, select, extend_select, ignore,
                 min_confidence, output) -> None:
    """Record the current findings, so `check --baseline FILE` reports only new ones."""
    root, scope = _root_and_scope(path)
    settings = _settings(root, config_file, since=since, grace=grace, select=select, extend_select=extend_select,
                         ignore=ignore, min_confidence=min_confidence, mlflow_uri=mlflow_uri,
                         tracker_timeout=tracker_timeout)
    result = _analyse(root, settings, _window(as_of, settings), scope)
    dest = Path(output) if output else root / baseline.DEFAULT_FILE
    try:
        n = baseline.write(result, dest)
    except OSError as exc:
        raise click.UsageError(f"cannot write the baseline {dest}: {exc.strerror or exc}") from None
    click.echo(f"Wrote {n} finding{'s' if n != 1 else ''} to {dest}; `stalelint check --baseline {dest}` now "
               f"reports only new ones.")
    if result.errors:
        click.echo(f"note: {len(result.errors)} errors (STL9xx) are not part of a baseline; `check` still "
                   f"reports them.", err=True)


@cli.command("comment")
@click.argument("path", default=".", type=click.Path())
@common
@finding_filters
@click.option("--base", "base_ref", help="Compare with this revision: the pull request's base (branch or commit).")
@click.option("--pr", "number", type=click.IntRange(1), help="Pull request number (default: from GITHUB_EVENT_PATH).")
@click.option("--dry-run", is_flag=True, help="Print the comment's Markdown instead of posting it.")
@click.option("--max-wait", type=click.FloatRange(0, 3600), default=60, show_default=True,
              help="Wait at most this many seconds for a GitHub rate limit to reset.")
def comment_cmd(path, since, as_of, grace, mlflow_uri, tracker_timeout, config_file, select, extend_select, ignore,
                min_confidence, base_ref, number, dry_run, max_wait) -> None:
    """Post (or update) one summary comment on the pull request: what it makes stale or revives
    compared with --base, the full count and the top findings. Reads GITHUB_TOKEN,
    GITHUB_REPOSITORY, GITHUB_EVENT_PATH and GITHUB_API_URL."""
    from . import comment, github_api

    root, scope = _root_and_scope(path)
    settings = _settings(root, config_file, since=since, grace=grace, select=select, extend_select=extend_select,
                         ignore=ignore, min_confidence=min_confidence, mlflow_uri=mlflow_uri,
                         tracker_timeout=tracker_timeout)
    window = _window(as_of, settings)
    where = client = None
    try:
        if not dry_run:
            where = comment.target(os.environ, number)
            client = github_api.Client(where.token, where.repository, where.api_url, max_wait=max_wait)
        sha = comment.resolve(root, base_ref) if base_ref else None
    except (comment.CommentError, github_api.GitHubError) as exc:
        raise click.UsageError(str(exc)) from None
    head = _analyse(root, settings, window, scope)
    comparison, label = None, ""
    if sha:
        try:
            with comment.revision(root, sha) as base_root:
                base = _analyse(base_root, settings, window, scope, label="base: ")
        except comment.CommentError as exc:
            raise click.UsageError(str(exc)) from None
        comparison = baseline.compare(head, base)
        label = f"`{base_ref}` ({sha[:7]})" if not sha.startswith(base_ref) else f"`{sha[:7]}`"
    text = comment.body(head, comparison, label, comment.linker(where))
    if dry_run or where is None or client is None:
        click.echo(text, nl=False)
        return
    try:
        action, posted = github_api.upsert_comment(client, where.number, text, comment.MARKER)
    except github_api.GitHubError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    url = posted.get("html_url")
    click.echo(f"{action.capitalize()} the stalelint comment on pull request #{where.number}"
               + (f": {url}" if isinstance(url, str) else "."))


@cli.command("experiments")
@click.argument("path", default=".", type=click.Path())
@common
@click.option("--output-format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def experiments_cmd(path, since, as_of, grace, mlflow_uri, tracker_timeout, config_file, fmt) -> None:
    """List every experiment found, with its date and source, so you can see what was counted."""
    import json

    root, _ = _root_and_scope(path)
    settings = _settings(root, config_file, since=since, grace=grace, mlflow_uri=mlflow_uri,
                         tracker_timeout=tracker_timeout)
    window = _window(as_of, settings)
    gathered, history = gather_experiments(root, settings, window)
    rows = sorted(gathered.experiments, key=lambda e: (e.date is None, e.date), reverse=True)

    def git_status(e) -> str | None:
        """Whether git tracks the file an experiment came from (None: a run record, or no git)."""
        return "ignored" if e.source in gathered.ignored else "untracked" if e.source in gathered.untracked \
            else "tracked" if history.git and e.kind in ("config", "launch") else None

    if fmt == "json":
        click.echo(json.dumps([{
            "source": e.source, "line": e.line, "kind": e.kind, "date": e.date.isoformat() if e.date else None,
            "dated_by": e.date_source, "recent": window.is_recent(e.date), "entry": e.entry,
            "includes": list(e.includes), "settings": {s.key: report.json_format._value(s.value) for s in e.settings},
            "git": git_status(e),
        } for e in rows], indent=2))
        return
    for e in rows:
        when = e.date.date().isoformat() if e.date else "undated"
        mark = "recent" if window.is_recent(e.date) else ("future" if window.is_future(e.date) else "old")
        what = e.command if e.command else f"{len(e.settings)} settings"
        status = git_status(e)
        tag = {"ignored": "  [ignored by git]", "untracked": "  [untracked]"}.get(status or "", "")
        click.echo(f"{when}  {mark:<6}  {e.label}{tag}  {what}")
    for p in gathered.problems:
        click.echo(f"{p.path}: {p.code} {p.message}", err=True)
    for n in (*history.notices, *gathered.notices):
        click.echo(f"note: {n}", err=True)
    recent = sum(1 for e in rows if window.is_recent(e.date))
    click.echo(f"{len(rows)} experiments from {gathered.sources} files; {recent} recent "
               f"(since {window.start.date().isoformat()}).")


@cli.command()
@click.argument("path", default=".", type=click.Path())
def clean(path) -> None:
    """Remove the cache (.stalelint_cache/ in the repository root)."""
    from .cache import DIRNAME
    from .cache import clean as remove

    root, _ = _root_and_scope(path)
    try:
        removed = remove(root)
    except OSError as exc:
        raise click.ClickException(f"cannot remove {root / DIRNAME}: {exc.strerror or exc}") from None
    click.echo(f"removed {root / DIRNAME}" if removed else f"no cache at {root / DIRNAME}")


@cli.command("rules")
@click.argument("code", required=False)
def rules_cmd(code) -> None:
    """List the rules, or explain one (what, why, example, fix safety)."""
    table = rules.by_code()
    if code:
        code = code.upper()
        if code in table:
            r = table[code]
            on = "on by default" if rules.on_by_default(code) else f"off by default; `--extend-select {code}` turns it on"
            click.echo(f"{r.CODE} {r.NAME} ({on})\n\n{r.DOC}")
        elif code in rules.ERRORS:
            name, doc = rules.ERRORS[code]
            click.echo(f"{code} {name}\n\n{doc}")
        else:
            raise click.UsageError(f"unknown rule {code!r}; `stalelint rules` lists them")
        return
    for r in rules.RULES:
        on = "on " if rules.on_by_default(r.CODE) else "off"
        click.echo(f"{r.CODE}  {on}  {r.NAME:<19} {r.DOC.splitlines()[0].removeprefix('What: ')}")
    for c, (name, doc) in rules.ERRORS.items():
        click.echo(f"{c}  on   {name:<19} {doc}")
    click.echo("\n`on`: reported unless ignored; `off`: only when selected (`--extend-select STL104`, or "
               "`extend_select` in [tool.stalelint]).")


@cli.command()
@click.argument("dest", required=False, type=click.Path(file_okay=False))
@click.option("--as-of", "as_of", help="Date the demo's history relative to this day (default today).")
def demo(dest, as_of) -> None:
    """Build the bundled demo research repo (real git history) and run `check` on it."""
    from . import demo as demo_mod

    window = _window(as_of, config.from_table({}, "defaults"))
    try:
        path = demo_mod.build(Path(dest) if dest else None, window.as_of)
    except FileExistsError as exc:
        raise click.UsageError(f"{exc}; give a new folder") from None
    click.echo(f"Built the demo research repo at {path} (a git repo with a dated history).\n")
    click.echo(f"$ stalelint check {path}" + (f" --as-of {as_of}" if as_of else ""))
    settings = _settings(path, None)
    result = _analyse(path, settings, window)
    click.echo(report.text.render(result, color=report.text.use_color(sys.stdout)), nl=False)
    click.echo(f"\nTry next:\n  cd {path}\n  stalelint experiments\n  stalelint check --output-format json\n"
               f"  stalelint rules STL301")


@cli.command("fix")
@click.argument("path", default=".", type=click.Path())
@common
@click.option("--select", help="Only fix findings of these codes or prefixes, e.g. STL102.")
@click.option("--extend-select", "extend_select", help="Also fix findings of these codes, e.g. STL104.")
@click.option("--ignore", help="Do not fix findings of these codes or prefixes.")
@click.option("--min-confidence", type=click.IntRange(0, 100),
              help="Fix findings of at least this confidence (default 50, as check shows them).")
@click.option("--knob", "knobs", multiple=True, help="Only fix this knob (repeatable).")
@click.option("--apply", "do_apply", is_flag=True, help="Write the fixes (default: print the diff only).")
@click.option("--unsafe", is_flag=True, help="Also make fixes that are not known to be safe.")
@click.option("--force", is_flag=True, help="Also touch files with uncommitted changes.")
@click.option("--commit", "do_commit", is_flag=True, help="With --apply: make one git commit for the fix.")
@click.option("--jobs", type=click.IntRange(1, 256), help="Processes that make fixes (default: one per core when "
              "there are enough).")
def fix_cmd(path, since, as_of, grace, mlflow_uri, tracker_timeout, config_file, select, extend_select, ignore,
            min_confidence, knobs, do_apply, unsafe, force, do_commit, jobs) -> None:
    """Show (or with --apply, make) the fixes for the findings under PATH, recorded in the graveyard."""
    import datetime as dt

    from . import fix as fixer
    from . import graveyard
    from .fix.write import Interrupted, pending

    if do_commit and not do_apply:
        raise click.UsageError("--commit needs --apply")
    root, scope = _root_and_scope(path)
    settings = _settings(root, config_file, since=since, grace=grace, select=select, extend_select=extend_select,
                         ignore=ignore, min_confidence=min_confidence, mlflow_uri=mlflow_uri,
                         tracker_timeout=tracker_timeout)
    if do_apply:
        _finish_interrupted(root)
    elif (journal := pending(root)) is not None:
        click.echo(f"note: an interrupted `stalelint fix --apply` or `restore` left {journal}; some of the files "
                   "it names are not written yet. `stalelint fix --apply` finishes it.", err=True)
    window = _window(as_of, settings)

    def fix_run(label: str = "", **kwargs):
        with Progress(sys.stderr) as progress:
            return fixer.run(root, settings, window, scope, tuple(knobs), unsafe, force, jobs=jobs,
                             progress=lambda stage: progress(label + stage), record=do_apply, **kwargs)

    # --apply makes the safe fixes; making each unsafe one too, only to show its diff, was half of
    # a large run (cleanrl: 551 of 803): `stalelint fix` shows them
    done = fix_run(show=not do_apply)
    click.echo(fixer.render(done), nl=False)
    counts: dict[str, int] = {}
    for o in done.outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    made = done.applied
    lines = sum(sum(1 for _ in _removed(o)) for o in made)
    if not do_apply:
        click.echo(f"Would fix {len(made)} finding{'s' if len(made) != 1 else ''} ({lines} lines removed, "
                   f"{len(done.texts)} files); {counts.get('unsafe', 0)} unsafe, {counts.get('failed', 0)} not "
                   f"possible, {counts.get('refused', 0)} refused. Run with --apply to write them.", err=True)
        sys.exit(1 if made else 0)
    removed_in = graveyard.head(root)
    now = dt.datetime.now(dt.timezone.utc)
    all_made: list = []
    all_entries: list = []
    written: set[str] = set()
    # a removal can make another fix safe (timm: validate.py's --num-gpu was unsafe while inference.py
    # had a flag of the same name, which this run removed), so apply in rounds until one makes
    # nothing: then a second `fix --apply` has nothing left to do
    for _ in range(_ROUNDS):
        made = done.applied
        if not made:
            break
        with Progress(sys.stderr) as progress:
            progress(f"recording {len(made)} removals in the graveyard")
            entries = graveyard.entries_for(root, made, removed_in, now)
            progress(f"writing {len(done.texts)} files")
            # the fixed files and their graveyard entries are written as one: a run killed midway is
            # finished by the next `fix --apply`, so no removal goes unrecorded and none is recorded twice
            try:
                written |= set(fixer.write(done, {graveyard.PATH: graveyard.appended(root, entries)}))
                pending_write = None
            except Interrupted as exc:  # another run's write is pending (two runs at once)
                pending_write = exc
        if pending_write is not None:
            click.echo(f"error: {pending_write}; nothing was written", err=True)
            sys.exit(1)
        all_made += made
        all_entries += entries
        done = fix_run("checking again: ", ours=frozenset(written), show=False)
        newly = done.applied
        if newly:
            click.echo(fixer.render(fixer.Run(done.root, newly, done.texts, done.originals)), nl=False)
    else:
        if done.applied:
            click.echo(f"note: {len(done.applied)} more fixes became possible after {_ROUNDS} rounds; run "
                       "`stalelint fix --apply` again", err=True)
    lines = sum(sum(1 for _ in _removed(o)) for o in all_made)
    click.echo(f"Fixed {len(all_made)} finding{'s' if len(all_made) != 1 else ''}: {lines} lines removed from "
               f"{len(written)} files" + (f"; recorded in {graveyard.PATH}" if all_entries else "")
               + _not_made(done.outcomes) + ".", err=True)
    if do_commit and all_entries:
        try:
            sha = graveyard.commit(root, all_made, all_entries)
        except graveyard.GraveyardError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        click.echo(f"Committed {sha[:10]}.", err=True)
    sys.exit(1 if counts.get("failed") or counts.get("refused") else 0)


_ROUNDS = 5  # a bound, not a target: timm needs 2


def _not_made(outcomes) -> str:
    """What is left unfixed after the last round, for the summary: a run that fixed nothing while
    `check` showed findings says why (most often: all of them unsafe)."""
    left: dict[str, int] = {}
    for o in outcomes:
        left[o.status] = left.get(o.status, 0) + 1
    parts = [f"{n} {what}" for status, what in (
        ("unsafe", "unsafe, not made (--unsafe makes them; `stalelint fix` shows their diffs)"),
        ("failed", "not possible"), ("refused", "refused (uncommitted changes)"),
        ("unsupported", "with no automatic fix")) if (n := left.get(status))]
    return "; " + ", ".join(parts) if parts else ""


def _finish_interrupted(root: Path) -> None:
    """Before writing anything: finish what a killed `fix --apply` or `restore` left half written."""
    from .fix.write import Interrupted, finish_interrupted

    try:
        finished = finish_interrupted(root)
    except Interrupted as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if finished is not None:
        click.echo(f"Finished an interrupted `stalelint fix --apply` or `restore`: wrote {len(finished)} more "
                   f"file{'s' if len(finished) != 1 else ''}" + (f" ({', '.join(finished)})" if finished else "")
                   + ".", err=True)


def _removed(outcome):
    from .fix.patch import removed_ranges

    for path, after in outcome.after.items():
        ranges, _ = removed_ranges(outcome.before[path], after)
        for a, b in ranges:
            yield from range(a, b + 1)


@cli.command("graveyard")
@click.argument("path", default=".", type=click.Path())
@click.option("--output-format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def graveyard_cmd(path, fmt) -> None:
    """List the knobs fixes removed (and restored), from .stalelint/graveyard.jsonl."""
    import json

    from . import graveyard

    root, _ = _root_and_scope(path)
    try:
        entries = graveyard.load(root)
    except graveyard.GraveyardError as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps(entries, indent=2))
        return
    for e in entries:
        click.echo(graveyard.summary(e))
        click.echo(f"    why: {e['why']}")
    click.echo(f"{len(entries)} entries; {sum(e['status'] == 'removed' for e in entries)} removed.")


@cli.command("restore")
@click.argument("keys", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Restore every removed entry.")
@click.option("--path", "path", default=".", type=click.Path(), help="The repository (default: here).")
def restore_cmd(keys, every, path) -> None:
    """Bring back removed knobs by graveyard id (or prefix) or name; several at once, or --all,
    are restored together (one write, one three-way merge per file)."""
    from . import graveyard
    from .fix.write import Interrupted

    if not keys and not every:
        raise click.UsageError("name an entry to restore (an id, a prefix of one, or a knob's name), or pass --all")
    if keys and every:
        raise click.UsageError("--all restores every removed entry: give no ids with it")
    root, _ = _root_and_scope(path)
    _finish_interrupted(root)
    try:
        entries = graveyard.load(root)
        if every:
            chosen = [e for e in entries if e["status"] == "removed"]
            if not chosen:
                click.echo("Nothing to restore: no removed entries.")
                return
        else:
            chosen = []
            for key in keys:
                hits = [e for e in graveyard.find(entries, key) if e["status"] == "removed"]
                if not hits:
                    raise graveyard.GraveyardError(f"no removed entry with id or name {key!r}; "
                                                   "`stalelint graveyard` lists them")
                if len({e["id"] for e in hits}) > 1:
                    raise graveyard.GraveyardError(f"{key!r} names {len(hits)} entries "
                                                   f"({', '.join(e['id'] for e in hits)}); give an id")
                if hits[0]["id"] not in {e["id"] for e in chosen}:
                    chosen.append(hits[0])
        if len(chosen) == 1:
            done = [(chosen[0], graveyard.restore(root, chosen[0]))]
        else:
            done = graveyard.restore_many(root, chosen)
    except (graveyard.GraveyardError, Interrupted) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for e, written in done:
        click.echo(f"Restored {e['name']} ({e['id']}): {', '.join(written)}.")


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the exit code (0 clean, 1 findings, 2 usage or configuration error)."""
    # a check builds millions of long-lived objects (syntax trees, records) and almost no cycles;
    # at the default thresholds the collector ran every 700 allocations and was 25-40% of a warm
    # run (timm, 10k files). Parse workers are forked and inherit this.
    gc.set_threshold(100_000, 50, 100)
    try:
        cli.main(args=argv, prog_name="stalelint", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
