"""stalelint never runs the code or configs it reads, makes no network call except to a tracker
server the user configured, and never shows a credential."""
import ast
import base64
import json
import os
import pickle
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from stalelint.cli import cli

from conftest import ALL, AS_OF, run

STALELINT = Path(__file__).resolve().parent.parent / "stalelint"


# -- nothing is imported, executed or unpickled ---------------------------------------------------

class _Pwn:
    """Unpickling this runs `open(path, "w")`: a marker file appears."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def _py(marker: Path, rest: str = "") -> str:
    return f"open({str(marker)!r}, 'w').close()\n{rest}"


def _yaml(marker: Path, key: str = "lr") -> str:
    return (f"{key}: !!python/object/apply:builtins.open [{str(marker)!r}, 'w']\n"
            f"other: !!python/object/apply:os.system ['touch {marker}.sh']\n"
            f"name: !!python/name:os.system\n"
            f"batch_size: 32\n")


def plant(repo: Path, markers: Path) -> dict[str, Path]:
    """Files that leave a marker in `markers` if stalelint imports, runs or unsafely loads them."""
    m = {name: markers / name for name in (
        "config_py", "assign_call", "configurator", "conftest", "setup", "package_init", "shadow_yaml",
        "shadow_click", "sitecustomize", "gin_import", "yaml_experiment", "yaml_fixed", "yaml_hydra_conf",
        "yaml_hydra_run", "yaml_lightning", "yaml_wandb", "yaml_dvc", "yaml_dump", "yacs_eval", "pickle_pt",
        "pickle_pkl", "pickle_ckpt")}

    def put(rel: str, text: str | bytes) -> None:
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text if isinstance(text, bytes) else text.encode())

    put("configs/pwn_cfg.py", _py(m["config_py"], "lr = 0.5\n"))
    put("configs/assign_only.py", f"lr = open({str(m['assign_call'])!r}, 'w')\nepochs = 3\n")
    put("configurator.py", _py(m["configurator"]))
    put("gpt.py", "batch_size = 12\nuse_flash = True\nexec(open('configurator.py').read())\n"
                  "print(batch_size, use_flash)\n")
    put("conftest.py", _py(m["conftest"]))
    put("setup.py", _py(m["setup"], "from setuptools import setup\nsetup(name='x')\n"))
    put("lab/__init__.py", _py(m["package_init"]))
    # modules named like stalelint's own dependencies, found first if the repo were on sys.path
    put("yaml.py", _py(m["shadow_yaml"]))
    put("click.py", _py(m["shadow_click"]))
    put("sitecustomize.py", _py(m["sitecustomize"]))
    put("pwn_gin_module.py", _py(m["gin_import"]))
    put("configs/evil.gin", "import pwn_gin_module\ninclude 'configs/other.gin'\n"
                            "train.lr = @pwn_gin_module.f()\ntrain.epochs = 3\n")
    put("configs/other.gin", "train.batch_size = 4\n")
    put("configs/evil.yaml", _yaml(m["yaml_experiment"]))
    put("configs/yacs_style.yaml", f"SOLVER:\n  STEPS: !!python/object/apply:eval "
                                   f"[\"open({str(m['yacs_eval'])!r}, 'w')\"]\n")
    # the file `fix` rewrites (with ruamel.yaml) when it removes `model.use_rope`
    rope = (repo / "configs/legacy/rope.yaml").read_text()
    put("configs/legacy/rope.yaml", rope + _yaml(m["yaml_fixed"], "evil"))
    put("conf/config.yaml", "defaults:\n  - _self_\n" + _yaml(m["yaml_hydra_conf"]))
    put("outputs/2026-06-01/10-00-00/.hydra/config.yaml", _yaml(m["yaml_hydra_run"]))
    put("outputs/2026-06-01/10-00-00/.hydra/overrides.yaml", "- lr=0.1\n")
    put("lightning_logs/version_0/hparams.yaml", _yaml(m["yaml_lightning"]))
    put("wandb/run-20260601_100000-abc123/files/config.yaml", _yaml(m["yaml_wandb"]))
    put("params.yaml", _yaml(m["yaml_dvc"]))
    put("dvc.yaml", "stages:\n  train:\n    cmd: python train.py\n    params:\n      - lr\n")
    put("runs/exp1/args.yaml", _yaml(m["yaml_dump"]))
    put("runs/exp1/model.pt", pickle.dumps(_Pwn(str(m["pickle_pt"]))))
    put("runs/exp1/args.pkl", pickle.dumps(_Pwn(str(m["pickle_pkl"]))))
    put("checkpoints/last.ckpt", pickle.dumps(_Pwn(str(m["pickle_ckpt"]))))
    return m


def test_the_payloads_are_live(tmp_path):
    """Loaded unsafely, each kind of planted file does leave its marker (so the test below can fail)."""
    markers = tmp_path / "markers"
    markers.mkdir()
    repo = tmp_path / "repo"
    (repo / "configs/legacy").mkdir(parents=True)
    (repo / "configs/legacy/rope.yaml").write_text("")
    m = plant(repo, markers)
    yaml.unsafe_load((repo / "configs/evil.yaml").read_text())
    pickle.loads((repo / "runs/exp1/model.pt").read_bytes())  # noqa: S301 - the point of the test
    exec(compile((repo / "configs/pwn_cfg.py").read_text(), "pwn_cfg.py", "exec"), {})  # noqa: S102
    assert m["yaml_experiment"].exists() and m["pickle_pt"].exists() and m["config_py"].exists()


def test_nothing_planted_is_ever_run(build, tmp_path):
    repo = build("labrepo")
    markers = tmp_path / "markers"
    markers.mkdir()
    plant(repo, markers)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@x", "commit", "-qm", "planted"],
                   check=True, env=dict(os.environ, GIT_AUTHOR_DATE="2025-02-02T10:00:00Z",  # old: rope.yaml stays stale
                                        GIT_COMMITTER_DATE="2025-02-02T10:00:00Z"))
    for fmt in ("text", "json", "sarif", "github", "markdown"):
        assert run("check", repo, "--as-of", AS_OF, "--output-format", fmt).exit_code in (0, 1)
    assert run("experiments", repo, "--as-of", AS_OF).exit_code == 0
    assert run("fix", repo, "--as-of", AS_OF, *ALL).exit_code in (0, 1)
    applied = run("fix", repo, "--as-of", AS_OF, "--apply", "--force", "--unsafe", "--knob", "model.use_rope", *ALL)
    assert applied.exit_code in (0, 1), applied.output
    assert "model.use_rope" in (repo / ".stalelint/graveyard.jsonl").read_text()  # rope.yaml was rewritten
    assert run("restore", "model.use_rope", "--path", repo).exit_code == 0
    # and as a user runs it, from inside the repo: `python -m stalelint` puts the current folder
    # first on sys.path, where the planted yaml.py and click.py would shadow the real ones
    for argv in ([sys.executable, "-m", "stalelint", "check", "--as-of", AS_OF],
                 [str(Path(sys.executable).parent / "stalelint"), "check", "--as-of", AS_OF]):
        proc = subprocess.run(argv, cwd=repo, capture_output=True, text=True)
        assert proc.returncode in (0, 1), proc.stderr
    assert sorted(p.name for p in markers.iterdir()) == []


def test_yaml_and_code_are_only_read_safely():
    """Source guard: every YAML load names a safe loader, ruamel only round-trips, and nothing
    unpickles, evals, execs or imports by name."""
    bad = []
    for path in sorted(STALELINT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # `yaml` is PyYAML where the module imports it (else a ruamel YAML(typ="rt") object, checked below)
        # (imported, or lazily: `yaml = _lazy_module("yaml")`)
        pyyaml = any(isinstance(n, ast.Import) and any(a.name == "yaml" for a in n.names)
                     or isinstance(n, ast.Call) and ast.unparse(n) == "_lazy_module('yaml')" for n in ast.walk(tree))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                kw = {k.arg: ast.unparse(k.value) for k in node.keywords}
                where = f"{path.relative_to(STALELINT.parent)}:{node.lineno}: {name}"
                loader = kw.get("Loader", "").lower().replace("unsafe", "")
                if name == "yaml.load" and pyyaml and not any(s in loader for s in ("safe", "tolerant")):
                    bad.append(where)
                if name in ("yaml.unsafe_load", "yaml.full_load", "yaml.load_all", "eval", "exec", "__import__",
                            "importlib.import_module", "import_module", "runpy.run_path", "runpy.run_module",
                            "pickle.load", "pickle.loads", "torch.load", "marshal.loads"):
                    bad.append(where)
                if name == "YAML" and kw.get("typ", "'rt'") not in ("'rt'", "'safe'"):
                    bad.append(where)
                # modules imported on first use are named in the source, never computed
                if name == "_lazy_module" and not (len(node.args) == 1 and isinstance(node.args[0], ast.Constant)):
                    bad.append(where)
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                if any(m in ("pickle", "marshal", "runpy", "dill", "cloudpickle", "torch") for m in mods if m):
                    bad.append(f"{path.relative_to(STALELINT.parent)}:{node.lineno}: import {mods}")
    assert bad == []
    # the custom loaders are the safe ones
    from stalelint.evidence import configs, yamlsafe
    assert all(issubclass(c, yaml.SafeLoader) or issubclass(c, yaml.CSafeLoader)
               for c in configs.safe_loaders() if c is not None)
    assert issubclass(yamlsafe._safe_loader(), yaml.SafeLoader)


# -- no network unless a tracker server is configured ---------------------------------------------

class NetworkGuard:
    """socket connects and name lookups raise, and are recorded."""

    def __init__(self, monkeypatch):
        self.attempts: list[str] = []
        real_connect = socket.socket.connect

        def refuse(what):
            def blocked(*args, **kwargs):
                self.attempts.append(f"{what}{args[1:] if what.startswith('socket.') else args}")
                raise OSError("network disabled by the test")
            return blocked

        def connect(sock, address):
            if sock.family == socket.AF_UNIX:  # local IPC (multiprocessing) is not the network
                return real_connect(sock, address)
            return refuse("socket.connect")(sock, address)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
        monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
        monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
        monkeypatch.setattr(socket, "gethostbyname", refuse("gethostbyname"))


@pytest.mark.parametrize("fixture", ["labrepo", "hydrarepo", "codecfg"])
def test_no_network_without_a_tracker_server(build, monkeypatch, fixture):
    repo = build(fixture)
    # a W&B offline run and an MLflow file store: records read from disk, never from a server
    (repo / "wandb/offline-run-20260601_100000-abc123/files").mkdir(parents=True)
    (repo / "wandb/offline-run-20260601_100000-abc123/files/config.yaml").write_text("lr:\n  value: 0.1\n")
    for var in ("MLFLOW_TRACKING_URI", "WANDB_BASE_URL", "WANDB_MODE"):
        monkeypatch.delenv(var, raising=False)
    guard = NetworkGuard(monkeypatch)
    for fmt in ("text", "json", "sarif", "github", "markdown"):
        assert run("check", repo, "--as-of", AS_OF, "--output-format", fmt).exit_code in (0, 1)
    assert run("experiments", repo, "--as-of", AS_OF).exit_code == 0
    assert run("fix", repo, "--as-of", AS_OF, *ALL).exit_code in (0, 1)
    assert run("comment", repo, "--as-of", AS_OF, "--dry-run").exit_code in (0, 1)
    assert guard.attempts == []


def test_the_network_guard_sees_a_configured_server(build, monkeypatch):
    repo = build("labrepo")
    guard = NetworkGuard(monkeypatch)
    doc = json.loads(run("check", repo, "--as-of", AS_OF, "--output-format", "json",
                         "--mlflow-uri", "http://127.0.0.1:9/").output)
    assert guard.attempts  # the one connection the user asked for
    assert any(e["code"] == "STL905" for e in doc["errors"])


# -- credentials never shown -----------------------------------------------------------------------

SECRETS = {
    "GITHUB_TOKEN": "ghp_S3CRETgithub0001",
    "WANDB_API_KEY": "wandbS3CRET0002",
    "MLFLOW_TRACKING_TOKEN": "mlflowT0KEN0003",
    "MLFLOW_TRACKING_USERNAME": "ada",
    "MLFLOW_TRACKING_PASSWORD": "mlflowPASS0004",
}
URL_PASSWORD = "s3cretURLpass0005"


def _forbidden() -> list[str]:
    values = [v for k, v in SECRETS.items() if k != "MLFLOW_TRACKING_USERNAME"] + [URL_PASSWORD]
    pairs = [f"user:{URL_PASSWORD}", f"ada:{SECRETS['MLFLOW_TRACKING_PASSWORD']}"]
    return values + pairs + [base64.b64encode(p.encode()).decode() for p in pairs]


class Server:
    """A local HTTP server answering every request with `answer(handler)`, recording the headers."""

    def __init__(self, answer):
        self.seen: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                outer.seen.append(dict(self.headers))
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                answer(self)

            do_GET = do_POST = do_PATCH = _any

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.port = self.httpd.server_address[1]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _reply(h, status, body: str, headers=()):
    data = body.encode()
    h.send_response(status)
    for k, v in headers:
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    h.wfile.write(data)


def _echo(h):
    """A misbehaving server or proxy that echoes the request, credentials and all, in its errors."""
    _reply(h, 500, f"error for {h.path}; you sent: " + "; ".join(f"{k}: {v}" for k, v in h.headers.items())
           + f"; token={h.headers.get('Authorization', '').split(' ')[-1]}")


@pytest.fixture
def servers():
    started = []

    def start(answer):
        s = Server(answer)
        started.append(s)
        return s

    yield start
    for s in started:
        s.close()


def test_credentials_never_appear_in_output(build, tmp_path, servers):
    from github_server import FakeGitHub
    from trackers_helpers import free_port

    repo = build("labrepo")
    elsewhere = servers(lambda h: _reply(h, 200, '{"experiments": []}'))
    redirecting = servers(lambda h: _reply(h, 302, "", [("Location", f"http://127.0.0.1:{elsewhere.port}{h.path}")]))
    echo = servers(_echo)
    uris = [f"http://user:{URL_PASSWORD}@127.0.0.1:{free_port()}",  # nothing listening
            f"http://user:{URL_PASSWORD}@127.0.0.1:{echo.port}/",
            f"http://{URL_PASSWORD}@127.0.0.1:{echo.port}",  # a token as the userinfo
            f"http://127.0.0.1:{echo.port}",  # credentials from the environment only
            f"http://user:{URL_PASSWORD}@127.0.0.1:{redirecting.port}"]
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": 7, "pull_request": {"number": 7}}))
    outputs = []
    runner = CliRunner()
    with FakeGitHub(token="someone-else") as gh:  # answers 401 to our token: the error path
        gh.script.append((500, {}, {"message": f"echo {SECRETS['GITHUB_TOKEN']}"}))
        for with_token in (True, False):  # Bearer from MLFLOW_TRACKING_TOKEN, or Basic from user and password
            env = dict(SECRETS, GITHUB_REPOSITORY="lab/repo", GITHUB_EVENT_PATH=str(event), GITHUB_API_URL=gh.url)
            if not with_token:
                env.pop("MLFLOW_TRACKING_TOKEN")
            for uri in uris:
                common = [str(repo), "--as-of", AS_OF, "--mlflow-uri", uri, "--tracker-timeout", "2"]
                commands = [["check", *common, "--output-format", f] for f in ("text", "json", "sarif", "github",
                                                                                 "markdown")]
                commands += [["experiments", *common], ["experiments", *common, "--output-format", "json"],
                             ["baseline", *common, "-o", str(tmp_path / "baseline.json")],
                             ["fix", *common], ["comment", *common, "--dry-run"], ["comment", *common]]
                for args in commands:
                    result = runner.invoke(cli, args, env=env, catch_exceptions=False)
                    outputs.append((" ".join(args[:1] + args[-2:]), result.stdout + result.stderr))
                    assert result.exit_code in (0, 1, 2), result.output
    assert echo.seen and redirecting.seen  # the servers were asked
    assert repo.parent == tmp_path  # so the scan below covers the repo (its cache too) and the baseline
    written = [(str(p), p.read_bytes().decode("utf-8", "replace")) for p in tmp_path.rglob("*")
               if p.is_file() and ".git" not in p.parts]
    leaks = [(where, secret) for where, text in outputs + written for secret in _forbidden() if secret in text]
    assert leaks == [], "\n".join(f"{w}: {s}" for w, s in leaks)
    # a redirect to another host is not followed with the credentials (nor at all)
    assert all("Authorization" not in seen for seen in elsewhere.seen)
    # the server is still named, without its credentials; the redirect is explained
    assert any(f"mlflow:http://127.0.0.1:{echo.port}" in text for _, text in outputs)
    assert any("redirect to another server" in text for _, text in outputs)
