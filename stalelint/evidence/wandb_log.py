"""The records of a binary `run-*.wandb` file, decoded with the wandb package's own protobuf schema
(`wandb.proto.wandb_internal_pb2.Record`), installed by the optional extra `stalelint[wandb]`.

wandb up to 0.17 shipped a Python reader for this file (`wandb.sdk.internal.datastore`); later
versions moved it into their Go core and dropped it. The framing is LevelDB's log format behind a
7-byte `:W&B` header, so it is read here (with CRC checks), and each record is decoded by wandb's
own message class, so the record schema is always the installed wandb's."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any, Iterator

HEADER = b":W&B" + struct.pack("<HB", 0xBEE1, 0)
BLOCK = 32 * 1024
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


class Truncated(Exception):
    """The file ends or breaks inside a record; the message says where."""


def available() -> bool:
    try:
        from wandb.proto import wandb_internal_pb2  # noqa: F401
    except ImportError:
        return False
    return True


def _chunks(data: bytes) -> Iterator[tuple[int, bytes, int]]:
    """(type, payload, offset) of each physical record."""
    pos = len(HEADER)
    while pos < len(data):
        left = BLOCK - pos % BLOCK
        if left < 7:  # the rest of a block too small for a header is padding
            pos += left
            continue
        if pos + 7 > len(data):
            raise Truncated(f"ends inside a record header at byte {pos}")
        crc, length, kind = struct.unpack_from("<IHB", data, pos)
        if crc == 0 and length == 0 and kind == 0:
            pos += left  # zero padding to the end of the block
            continue
        start = pos + 7
        if start + length > len(data):
            raise Truncated(f"ends inside a record at byte {pos} ({len(data) - start} of {length} bytes)")
        payload = data[start:start + length]
        # LevelDB's checksum covers the type byte and the payload
        if zlib.crc32(payload, zlib.crc32(bytes([kind]))) & 0xFFFFFFFF != crc:
            raise Truncated(f"record at byte {pos} fails its checksum")
        yield kind, payload, pos
        pos = start + length


def records(path: Path) -> Iterator[Any]:
    """wandb Record messages, in order. Raises Truncated, OSError, ImportError."""
    from google.protobuf.message import DecodeError
    from wandb.proto import wandb_internal_pb2

    data = path.read_bytes()
    if not data.startswith(HEADER):
        raise Truncated("not a W&B run file (bad header)")
    parts: list[bytes] = []
    for kind, payload, pos in _chunks(data):
        if kind == _FULL:
            parts = [payload]
        elif kind == _FIRST:
            parts = [payload]
            continue
        elif kind == _MIDDLE:
            parts.append(payload)
            continue
        elif kind == _LAST:
            parts.append(payload)
        else:
            raise Truncated(f"unknown record type {kind} at byte {pos}")
        record = wandb_internal_pb2.Record()
        try:
            record.ParseFromString(b"".join(parts))
        except DecodeError:
            raise Truncated(f"record at byte {pos} is not a wandb record") from None
        parts = []
        yield record
    if parts:
        raise Truncated("ends inside a record split across blocks")
