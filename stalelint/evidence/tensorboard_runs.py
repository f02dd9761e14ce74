"""TensorBoard: the hparams plugin's record in event files (`events.out.tfevents.*`), written by
`torch.utils.tensorboard`'s `add_hparams`, Lightning's TensorBoardLogger, Keras' HParams callback.
Read with the tensorboard package's own loader and protos (optional extra `stalelint[tensorboard]`);
without it, the event files found are reported as skipped. Dated by the session's start time, else
the event's wall time."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Iterator

from ..model import Experiment
from . import runs

NAME = "tensorboard"
CODE = "STL906"
_PREFIX = "events.out.tfevents."
# hparams are written once, near the start of a run (or at its end by add_hparams, in a file of
# their own); a scalar-heavy event file is not read past this many events
_MAX_EVENTS = 5000


def event_files(ctx: runs.Context) -> Iterator[Path]:
    # the run-folder search every source shares (one walk of the tree per run); it does not enter
    # lightning_logs/, which belongs to the Lightning source (it reads the same run's hparams.yaml)
    for folder in ctx.folders():
        try:
            with os.scandir(folder) as it:
                for e in it:
                    if e.name.startswith(_PREFIX) and e.is_file(follow_symlinks=False):
                        yield Path(e.path)
        except OSError:
            continue


def _value(v: Any) -> Any:
    kind = v.WhichOneof("kind")
    return {"number_value": v.number_value, "string_value": v.string_value, "bool_value": v.bool_value}.get(kind)


class Damaged(ValueError):
    """An event file whose record framing or checksums do not hold."""


def _events(path: Path) -> Iterator[Any]:
    """The events of a TFRecord file, each checked against its CRC32C. tensorboard's own loader
    skips a damaged record silently (it tails files still being written); a finished run's file
    that does not check out is damaged, and stalelint says so."""
    import struct

    from tensorboard.compat.proto import event_pb2
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    with open(path, "rb") as f:
        while True:
            header = f.read(12)
            if not header:
                return
            if len(header) < 12:
                raise Damaged("truncated record header")
            length, length_crc = struct.unpack("<QI", header)
            if masked_crc32c(header[:8]) != length_crc:
                raise Damaged("record length fails its checksum")
            data = f.read(length)
            footer = f.read(4)
            if len(data) < length or len(footer) < 4:
                raise Damaged("truncated record")
            if masked_crc32c(data) != struct.unpack("<I", footer)[0]:
                raise Damaged("record fails its checksum")
            yield event_pb2.Event.FromString(data)


def read_file(path: Path) -> tuple[dict[str, Any], dt.datetime | None] | None:
    """(hparams, start time) of an event file, or None when it holds no hparams record."""
    from tensorboard.plugins.hparams import plugin_data_pb2

    for n, event in enumerate(_events(path)):
        if n >= _MAX_EVENTS:
            return None
        for value in event.summary.value:
            if value.metadata.plugin_data.plugin_name != "hparams":
                continue
            data = plugin_data_pb2.HParamsPluginData.FromString(value.metadata.plugin_data.content)
            if data.WhichOneof("data") != "session_start_info":
                continue
            info = data.session_start_info
            seconds = info.start_time_secs or event.wall_time
            when = dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc) if seconds else None
            return {k: _value(v) for k, v in info.hparams.items()}, when
    return None


def read(ctx: runs.Context) -> Iterator[Experiment]:
    found = list(event_files(ctx))
    if not found:
        return
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        ctx.notices.append(f"{len(found)} TensorBoard event files skipped: reading their hparams needs the "
                           f"tensorboard package (pip install 'stalelint[tensorboard]')")
        return
    from google.protobuf.message import DecodeError

    for path in found:
        try:
            got = read_file(path)
        except (OSError, DecodeError, ValueError) as exc:
            ctx.problem(CODE, ctx.rel(path), f"cannot read TensorBoard event file: {exc}", NAME)
            continue
        if got is None:
            continue
        hparams, when = got
        yield runs.run(ctx.rel(path), when, "start time" if when else "undated", runs.settings_of(hparams))
