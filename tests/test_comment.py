"""`stalelint comment` against a local stand-in for the GitHub API: exactly the requests it should make."""
import json
import re
import subprocess

import pytest
from click.testing import CliRunner

from conftest import ALL, AS_OF, check_json
from github_server import FakeGitHub
from stalelint import comment, github_api
from stalelint.cli import cli

MARKER = comment.MARKER
TOKEN = "ghs_s3cr3t-t0ken"


@pytest.fixture
def gh():
    with FakeGitHub(token=TOKEN) as server:
        yield server


@pytest.fixture(autouse=True)
def no_actions_env(monkeypatch):
    for key in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_EVENT_PATH", "GITHUB_API_URL", "GITHUB_SERVER_URL",
                "STALELINT_HEAD_SHA"):
        monkeypatch.delenv(key, raising=False)


def client(gh, **kw):
    waits = []
    kw.setdefault("sleep", waits.append)
    c = github_api.Client(kw.pop("token", TOKEN), gh.repository, gh.url, **kw)
    c.waits = waits
    return c


# -- the client: create, update, paginate, nothing else ---------------------------------------------

def test_first_run_creates_second_updates(gh):
    gh.add(7, "LGTM")
    action, posted = github_api.upsert_comment(client(gh), 7, f"{MARKER}\none", MARKER)
    assert action == "created" and posted["body"] == f"{MARKER}\none"
    assert gh.calls() == [("GET", "/repos/lab/repo/issues/7/comments?per_page=100"),
                          ("POST", "/repos/lab/repo/issues/7/comments")]
    assert gh.requests[1].body == {"body": f"{MARKER}\none"}
    assert all(r.authorization == f"Bearer {TOKEN}" for r in gh.requests)
    gh.requests.clear()
    action, posted = github_api.upsert_comment(client(gh), 7, f"{MARKER}\ntwo", MARKER)
    assert action == "updated"
    assert gh.calls() == [("GET", "/repos/lab/repo/issues/7/comments?per_page=100"),
                          ("PATCH", f"/repos/lab/repo/issues/comments/{posted['id']}")]
    assert [c["body"] for c in gh.comments[7]] == ["LGTM", f"{MARKER}\ntwo"]


def test_pagination_finds_the_comment_on_a_later_page(gh):
    gh.page_size = 2
    for i in range(4):
        gh.add(3, f"chatter {i}")
    mine = gh.add(3, f"{MARKER}\nold")
    gh.add(3, "more chatter mentioning <!-- stalelint --> in the middle")
    action, _ = github_api.upsert_comment(client(gh), 3, f"{MARKER}\nnew", MARKER)
    assert action == "updated"
    assert gh.calls() == [
        ("GET", "/repos/lab/repo/issues/3/comments?per_page=100"),
        ("GET", "/repos/lab/repo/issues/3/comments?per_page=2&page=2"),
        ("GET", "/repos/lab/repo/issues/3/comments?per_page=2&page=3"),
        ("PATCH", f"/repos/lab/repo/issues/comments/{mine['id']}"),
    ]
    assert [c["body"] for c in gh.comments[3]][-2:] == [f"{MARKER}\nnew",
                                                         "more chatter mentioning <!-- stalelint --> in the middle"]


def test_pages_are_bounded_and_never_leave_the_api_host(gh):
    gh.page_size = 1
    for i in range(5):
        gh.add(1, f"c{i}")
    with pytest.raises(github_api.GitHubError, match="more than 3 pages"):
        client(gh, max_pages=3).list_comments(1)
    gh.requests.clear()
    gh.next_link_host = "http://127.0.0.1:1"  # another origin
    with pytest.raises(github_api.GitHubError, match="another host"):
        client(gh).list_comments(1)
    assert len(gh.requests) == 1


# -- errors ---------------------------------------------------------------------------------------

def test_bad_token_is_401_and_never_shown(gh):
    with pytest.raises(github_api.GitHubError) as err:
        github_api.upsert_comment(client(gh, token="ghp_wrong-token"), 7, MARKER, MARKER)
    assert "401" in str(err.value) and "GITHUB_TOKEN" in str(err.value)
    assert "ghp_wrong-token" not in str(err.value)
    assert gh.calls() == [("GET", "/repos/lab/repo/issues/7/comments?per_page=100")]


def test_token_echoed_by_the_server_is_redacted(gh):
    gh.script.append((422, {}, {"message": f"Validation failed for Bearer {TOKEN}"}))
    with pytest.raises(github_api.GitHubError) as err:
        client(gh).create_comment(7, "x")
    assert TOKEN not in str(err.value) and "***" in str(err.value) and "422" in str(err.value)


def test_fork_403_explains_the_read_only_token(gh):
    gh.script += [(200, {}, []), (403, {}, {"message": "Resource not accessible by integration"})]
    with pytest.raises(github_api.GitHubError) as err:
        github_api.upsert_comment(client(gh), 7, MARKER, MARKER)
    text = str(err.value)
    assert "403" in text and "fork" in text and "pull-requests: write" in text
    assert gh.calls()[-1][0] == "POST" and len(gh.requests) == 2  # a refused POST is not retried


def test_404_names_the_repository(gh):
    with pytest.raises(github_api.GitHubError, match="404.*GITHUB_REPOSITORY \\(lab/other\\)"):
        github_api.Client(TOKEN, "lab/other", gh.url).list_comments(7)


def test_rate_limit_short_wait_then_retry(gh):
    gh.script += [(429, {"Retry-After": "3"}, {"message": "slow down"}),
                  (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1005"}, {"message": "API rate limit exceeded"})]
    c = client(gh, clock=lambda: 1000.0)
    assert c.list_comments(7) == []
    assert c.waits == [3.0, 5.0] and len(gh.requests) == 3


def test_rate_limit_long_wait_fails_at_once(gh):
    gh.script.append((403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "99999"},
                      {"message": "API rate limit exceeded"}))
    c = client(gh, clock=lambda: 1000.0)
    with pytest.raises(github_api.GitHubError, match=r"rate limit.*resets in 98999s, longer than the 60s"):
        c.list_comments(7)
    assert c.waits == [] and len(gh.requests) == 1


def test_nothing_is_retried_forever(gh):
    gh.script += [(429, {"Retry-After": "1"}, {"message": "slow down"})] * 10
    c = client(gh, attempts=3)
    with pytest.raises(github_api.GitHubError, match="still after 3 attempts"):
        c.list_comments(7)
    assert len(gh.requests) == 3 and c.waits == [1.0, 1.0]
    gh.requests.clear()
    gh.script[:] = [(502, {}, {"message": "bad gateway"})] * 10
    with pytest.raises(github_api.GitHubError, match="502"):
        client(gh, attempts=2).list_comments(7)
    assert len(gh.requests) == 2
    gh.requests.clear()
    with pytest.raises(github_api.GitHubError, match="502"):
        client(gh).create_comment(7, "x")  # a POST may have been done: never retried
    assert len(gh.requests) == 1


def test_unreachable_api(gh):
    with pytest.raises(github_api.GitHubError, match="cannot reach http://127.0.0.1:1"):
        github_api.Client(TOKEN, "lab/repo", "http://127.0.0.1:1", sleep=lambda s: None).list_comments(1)
    with pytest.raises(github_api.GitHubError, match="owner/name"):
        github_api.Client(TOKEN, "not a repo", gh.url)


# -- the command ----------------------------------------------------------------------------------

def actions_env(gh, tmp_path, number=12, **extra):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "number": number,
                                 "pull_request": {"number": number, "head": {"sha": "abc123"}}}))
    return {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": gh.repository, "GITHUB_EVENT_PATH": str(event),
            "GITHUB_API_URL": gh.url, **extra}


def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click 8.1; 8.2 always keeps stderr apart
    except TypeError:
        return CliRunner()


def invoke(*args, env=None):
    result = runner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert TOKEN not in result.stdout + result.stderr
    return result


def git_state(repo):
    def out(*args):
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout
    return (out("status", "--porcelain", "--untracked-files=all"), out("rev-parse", "HEAD"),
            out("worktree", "list", "--porcelain"), out("for-each-ref"), out("stash", "list"))


def test_comment_command_creates_then_updates(build, gh, tmp_path):
    repo = build("labrepo")
    env = actions_env(gh, tmp_path)
    before = git_state(repo)
    first = invoke("comment", repo, "--as-of", AS_OF, "--base", "HEAD~1", *ALL, env=env)
    assert first.exit_code == 0, first.stderr
    assert "Created the stalelint comment on pull request #12" in first.stdout
    assert gh.calls() == [("GET", "/repos/lab/repo/issues/12/comments?per_page=100"),
                          ("POST", "/repos/lab/repo/issues/12/comments")]
    (posted,) = gh.comments[12]
    body = posted["body"]
    assert body.startswith(MARKER + "\n## stalelint")
    m = re.search(r"This pull request brings \*\*(\d+)\*\* new findings? and clears \*\*(\d+)\*\* "
                  r"compared with `HEAD~1` \([0-9a-f]{7}\)\.", body)
    new, gone = map(int, m.groups())
    assert new and gone  # the last commit of labrepo both adds and removes findings
    assert f"### Made stale by this pull request ({new})\n" in body
    assert f"### Revived or removed by this pull request ({gone})\n" in body
    assert f"**{len(check_json(repo, *ALL)['findings'])} findings**" in body
    assert "[`train.py:12`](https://github.com/lab/repo/blob/abc123/train.py#L12)" in body
    assert git_state(repo) == before  # the base was analysed elsewhere: the checkout is untouched

    gh.requests.clear()
    second = invoke("comment", repo, "--as-of", AS_OF, "--base", "HEAD~1", *ALL, env=env)
    assert second.exit_code == 0 and "Updated the stalelint comment" in second.stdout
    assert gh.calls() == [("GET", "/repos/lab/repo/issues/12/comments?per_page=100"),
                          ("PATCH", f"/repos/lab/repo/issues/comments/{posted['id']}")]
    assert len(gh.comments[12]) == 1 and gh.comments[12][0]["body"] == body
    assert git_state(repo) == before


def test_comment_without_base_and_unchanged_base(build, gh, tmp_path):
    repo = build("labrepo")
    result = invoke("comment", repo, "--as-of", AS_OF, "--base", "HEAD", "--dry-run")
    assert result.exit_code == 0 and gh.requests == []
    assert result.stdout.startswith(MARKER)
    assert "brings no new finding and clears none" in result.stdout
    plain = invoke("comment", repo, "--as-of", AS_OF, "--dry-run")
    assert "This pull request" not in plain.stdout
    assert f"**{len(check_json(repo)['findings'])} findings**" in plain.stdout


def test_comment_errors(build, gh, tmp_path):
    repo = build("noexp")
    missing = invoke("comment", repo, "--as-of", AS_OF)
    assert missing.exit_code == 2 and "GITHUB_TOKEN and GITHUB_REPOSITORY not set" in missing.stderr
    env = actions_env(gh, tmp_path)
    bad_base = invoke("comment", repo, "--as-of", AS_OF, "--base", "no-such-branch", env=env)
    assert bad_base.exit_code == 2 and "fetch-depth: 0" in bad_base.stderr
    (tmp_path / "push.json").write_text(json.dumps({"ref": "refs/heads/main"}))
    not_pr = invoke("comment", repo, "--as-of", AS_OF, env=dict(env, GITHUB_EVENT_PATH=str(tmp_path / "push.json")))
    assert not_pr.exit_code == 2 and "--pr NUMBER" in not_pr.stderr
    assert gh.requests == []
    gh.script.append((200, {}, []))
    gh.script.append((403, {}, {"message": "Resource not accessible by integration"}))
    fork = invoke("comment", repo, "--as-of", AS_OF, env=env)
    assert fork.exit_code == 1 and "error: GitHub refused commenting on pull request #12 (403" in fork.stderr
    wrong = invoke("comment", repo, "--as-of", AS_OF, "--pr", "5", env=dict(env, GITHUB_TOKEN="ghp_other"))
    assert wrong.exit_code == 1 and "401" in wrong.stderr and "ghp_other" not in wrong.stderr
    assert gh.calls()[-1] == ("GET", "/repos/lab/repo/issues/5/comments?per_page=100")


def test_body_fits_in_a_comment_however_many_findings():
    import datetime as dt

    from stalelint.baseline import compare
    from stalelint.model import Evidence, Finding, Problem, Result, Window

    def result(n, prefix):
        findings = tuple(Finding("STL102", "stale-flag", "flag", f"{prefix}{i}", f"pkg/module_{i % 50}.py", i, 5,
                                 "flag `--x` is never set by any of 9 recent experiments " * 3, 90, 4,
                                 Evidence(9, 12, 0, None)) for i in range(n))
        errors = tuple(Problem("STL901", f"bad_{i}.py", "cannot parse Python " * 20, 1) for i in range(80))
        return Result("/r", Window(dt.datetime(2026, 6, 30, tzinfo=dt.timezone.utc), 180), findings, errors,
                      ("a note " * 500,), 0, 0, 0, 0, {"STL102": n})

    head, base = result(3000, "h"), result(3000, "b")
    text = comment.body(head, compare(head, base), "`main`")
    assert len(text) <= comment.LIMIT and text.startswith(MARKER)
    assert "new findings and clears **3000**" in text and "more not shown here" in text
    assert "### All findings" in text
