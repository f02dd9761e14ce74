"""TensorBoard hparams records, written with the tensorboard package's own writer and protos (the same
records torch.utils.tensorboard's add_hparams writes; torch itself is not needed)."""
import datetime as dt
import time

import pytest

from conftest import ALL, by_code, check_json, stale_flags

tensorboard = pytest.importorskip("tensorboard")


def write_hparams(folder, hparams, start):
    from tensorboard.compat.proto import event_pb2
    from tensorboard.plugins.hparams import summary_v2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    folder.mkdir(parents=True, exist_ok=True)
    writer = EventFileWriter(str(folder))
    summary = summary_v2.hparams_pb(hparams, start_time_secs=start.timestamp())
    writer.add_event(event_pb2.Event(wall_time=time.time(), summary=summary))
    writer.close()


def test_a_flag_used_only_by_a_tensorboard_run_is_alive(build):
    repo = build("labrepo")
    assert "use_ema" in stale_flags(check_json(repo, *ALL))
    write_hparams(repo / "runs" / "ema", {"use_ema": True, "lr": 0.01},
                  dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc))
    doc = check_json(repo, *ALL)
    assert "use_ema" not in stale_flags(doc)
    assert "no_color" in stale_flags(doc)  # set by no run: still stale
    assert doc["experiments"]["total"] == 11


def test_truncated_event_file_is_an_error_and_findings_are_incomplete(build):
    repo = build("labrepo")
    write_hparams(repo / "runs" / "a", {"use_ema": True}, dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc))
    event = next((repo / "runs" / "a").iterdir())
    event.write_bytes(event.read_bytes()[:-7])
    doc = check_json(repo, *ALL)
    assert any(e["code"] == "STL906" and e["path"].startswith("runs/a/events.out.tfevents") for e in doc["errors"])
    assert all(f["incomplete"] for f in doc["findings"] if f["code"] == "STL102")


def test_event_files_are_found_by_the_shared_run_folder_search(build, monkeypatch):
    """One walk of the tree serves every tracker source (runs.Context.folders), TensorBoard's too."""
    from stalelint.evidence import runs

    repo = build("labrepo")
    write_hparams(repo / "runs" / "ema", {"use_ema": True}, dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc))
    walks = []
    real = runs.walk_dirs

    def counted(root, *args, **kwargs):
        walks.append(root)
        return real(root, *args, **kwargs)

    monkeypatch.setattr(runs, "walk_dirs", counted)
    assert "use_ema" not in stale_flags(check_json(repo, *ALL))
    assert walks.count(repo) == 1
