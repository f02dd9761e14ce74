"""Tracker settings in [tool.stalelint], the enable list, pointing at a store, and redaction."""
import os

import pytest

from conftest import ALL, by_code, check_json, run, stale_flags
from stalelint.config import ConfigError, from_table
from stalelint.evidence.runs import redact


def test_tracker_keys_are_schema_checked():
    s = from_table({"mlflow_uri": "http://h:5000", "tracker_timeout": 3, "trackers": ["mlflow", "hydra"]}, "p")
    assert (s.mlflow_uri, s.tracker_timeout, s.trackers) == ("http://h:5000", 3, ("mlflow", "hydra"))
    assert from_table({"tracker_timeout": 0.5}, "p").tracker_timeout == 0.5
    with pytest.raises(ConfigError, match="known trackers: mlflow"):
        from_table({"trackers": ["neptune"]}, "p")
    with pytest.raises(ConfigError, match="tracker_timeout"):
        from_table({"tracker_timeout": "fast"}, "p")
    with pytest.raises(ConfigError, match="positive"):
        from_table({"tracker_timeout": 0}, "p")


def _dump(repo, sub="ckpt"):
    (repo / sub).mkdir()
    (repo / sub / "args.json").write_text('{"use_ema": true}')
    (repo / sub / "last.ckpt").write_bytes(b"")
    os.utime(repo / sub / "args.json", (1780000000, 1780000000))  # 2026-05-28, inside the window


def test_enable_list_turns_sources_off(build):
    repo = build("labrepo")
    _dump(repo)
    assert "use_ema" not in stale_flags(check_json(repo, *ALL))
    (repo / "pyproject.toml").write_text('[tool.stalelint]\ntrackers = ["mlflow"]\n')
    assert "use_ema" in stale_flags(check_json(repo, *ALL))


def test_mlflow_uri_names_a_file_store_elsewhere(build, tmp_path):
    repo = build("labrepo")
    run_dir = tmp_path / "store" / "1" / "abc"
    (run_dir / "params").mkdir(parents=True)
    (run_dir / "meta.yaml").write_text("lifecycle_stage: active\nrun_id: abc\nstart_time: 1777000000000\n")
    (run_dir / "params" / "use_ema").write_text("True")
    assert "use_ema" in stale_flags(check_json(repo, *ALL))
    doc = check_json(repo, "--mlflow-uri", f"file:{tmp_path / 'store'}", *ALL)
    assert "use_ema" not in stale_flags(doc) and doc["errors"] == []


def test_text_output_says_incomplete(build):
    repo = build("labrepo")
    (repo / "mlflow.db").write_bytes(b"garbage" * 50)
    out = run("check", repo, "--as-of", "2026-06-30").output
    assert "STL906 cannot read MLflow SQLite store: file is not a database" in out
    assert "[judged on incomplete evidence: mlflow unreadable]" in out


def test_redact():
    assert redact("cannot GET https://ada:tok3n@mlflow.lab/api") == "cannot GET https://***@mlflow.lab/api"
    assert "abc123" not in redact('{"error": "bad token=abc123"}')
    assert "Bearer xyz" not in redact("Authorization: Bearer xyz")
