"""The status line: only on a terminal, only for a run that takes a while, always cleared."""
import io
import re
import time

from conftest import AS_OF, run
from stalelint.progress import Progress, wanted


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_shown_on_a_terminal_for_a_slow_run_and_cleared():
    stream = Tty()
    with Progress(stream, delay=0.05, interval=0.01) as progress:
        progress("reading git history")
        time.sleep(0.15)
        progress("judging")
        time.sleep(0.05)
    out = stream.getvalue()
    assert "\rstalelint: reading git history… " in out and "\rstalelint: judging… " in out
    last = out.rsplit("\r", 2)
    assert last[-1] == "" and last[-2].strip() == ""  # the line is blanked and the cursor back at column 0
    assert "\n" not in out


def test_silent_for_a_quick_run_or_off_a_terminal(monkeypatch):
    quick = Tty()
    with Progress(quick, delay=0.5) as progress:
        progress("judging")
    assert quick.getvalue() == ""
    pipe = io.StringIO()
    with Progress(pipe, delay=0.0, interval=0.01) as progress:
        progress("judging")
        time.sleep(0.05)
    assert pipe.getvalue() == ""
    monkeypatch.setenv("TERM", "dumb")
    assert not wanted(Tty())
    monkeypatch.setenv("TERM", "xterm")
    assert wanted(Tty()) and not wanted(io.StringIO())


def test_never_in_command_output(build):
    repo = build("noexp")
    for fmt in ("text", "json", "sarif", "github", "markdown"):
        result = run("check", repo, "--as-of", AS_OF, "--output-format", fmt)
        assert not re.search(r"stalelint: [a-z ]+… \d", result.output) and "\r" not in result.output
