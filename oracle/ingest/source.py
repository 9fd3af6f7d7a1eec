"""Reading a file's bytes (plain or gzip) and decoding them as UTF-8, with errors that name the
file, the line and the column of the offending byte."""
from __future__ import annotations

import codecs
import gzip
import zlib
from pathlib import Path
from typing import Callable

from .core import IngestFileError

GZIP_MAGIC = b"\x1f\x8b"

# column_of(line_number, bytes of the line before the offending byte, bytes of the whole line,
#           bytes of the first line) -> column text for the error
ColumnOf = Callable[[int, bytes, bytes, bytes], str]


def read_bytes(path: str | Path) -> bytes:
    """The file's content, gunzipped when it starts with the gzip magic bytes (or ends in .gz)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise IngestFileError(path, None, None, f"cannot read the file: {exc.strerror or exc}") from None
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise IngestFileError(path, None, None, f"corrupt gzip data: {exc}") from None
    elif p.suffix.lower() == ".gz" and data:
        raise IngestFileError(path, 1, "1", "the name ends in .gz but the content is not gzip-compressed")
    return data


def char_column(line_no: int, before: bytes, whole: bytes, first: bytes) -> str:
    """Default column: the 1-based character position in the line."""
    return str(len(before.decode("utf-8", "replace")) + 1)


def _position_error(path, data: bytes, pos: int, message: str, column_of: ColumnOf) -> IngestFileError:
    line_no = data.count(b"\n", 0, pos) + 1
    start = data.rfind(b"\n", 0, pos) + 1
    end = data.find(b"\n", pos)
    end = len(data) if end < 0 else end
    first_end = data.find(b"\n")
    first = data[: len(data) if first_end < 0 else first_end].rstrip(b"\r")
    try:
        column = column_of(line_no, data[start:pos], data[start:end].rstrip(b"\r"), first)
    except Exception:  # a column resolver must never hide the real error
        column = char_column(line_no, data[start:pos], b"", b"")
    return IngestFileError(path, line_no, column, message)


def decode_text(path: str | Path, data: bytes, column_of: ColumnOf = char_column) -> str:
    """UTF-8 text of ``data`` (a leading BOM is dropped, CRLF becomes LF).

    Raises IngestFileError for UTF-16/32 content, NUL bytes (binary files) and undecodable bytes.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise IngestFileError(path, 1, "1", "UTF-32 encoded file: the file must be UTF-8 encoded")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestFileError(path, 1, "1", "UTF-16 encoded file: the file must be UTF-8 encoded")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _position_error(path, data, nul, "binary content (NUL byte): not a UTF-8 text file", column_of)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        raise _position_error(
            path, data, exc.start,
            f"invalid UTF-8 byte 0x{bad:02x} ({exc.reason}): the file must be UTF-8 encoded", column_of,
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text


def first_char(text: str) -> tuple[str, int, int]:
    """The first non-blank character with its 1-based line and column ('' if the text is blank)."""
    stripped = text.lstrip()
    if not stripped:
        return "", 1, 1
    pos = len(text) - len(stripped)
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return stripped[0], line, col


def check_not_empty(path, text: str) -> None:
    if not text.strip():
        raise IngestFileError(path, 1, "1", "empty file (no data rows)")


def delimited_text(path, data: bytes, column_of: ColumnOf, what: str) -> str:
    """The decoded text of a delimited file (csv, ec-csv): not empty, and not JSON given by mistake."""
    text = decode_text(path, data, column_of=column_of)
    check_not_empty(path, text)
    ch, line, col = first_char(text)
    if ch in "{[":
        raise IngestFileError(path, line, str(col), f"this is JSON, not {what} (an UrbanDataset? use "
                              "--format urbandataset)")
    return text
