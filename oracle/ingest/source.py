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
CHUNK = 1 << 20
# A csv reading is a short line, the longest ec-csv rows (a PV model's power at every quarter-hour of a
# year) about 0.3 MB: a longer line is not meter data, and reading it whole could exhaust the memory.
MAX_LINE_BYTES = 4 << 20
# An UrbanDataset may be one line of JSON, so its limit is the document's size (parsed, it takes ~10×).
MAX_DOCUMENT_BYTES = 256 << 20

# column_of(line_number, bytes of the line before the offending byte, bytes of the whole line,
#           bytes of the first line) -> column text for the error
ColumnOf = Callable[[int, bytes, bytes, bytes], str]


def read_bytes(path: str | Path, *, one_document: bool = False) -> bytes:
    """The file's content, gunzipped when it starts with the gzip magic bytes (or ends in .gz).

    Read in chunks, and refused (IngestFileError) as soon as a line grows longer than MAX_LINE_BYTES — or,
    for ``one_document`` formats (JSON), the content than MAX_DOCUMENT_BYTES — before it is read whole.
    """
    p = Path(path)
    try:
        raw = open(p, "rb")
    except OSError as exc:
        raise IngestFileError(path, None, None, f"cannot read the file: {exc.strerror or exc}") from None
    with raw:
        try:
            magic = raw.read(2)
            raw.seek(0)
        except OSError as exc:
            raise IngestFileError(path, None, None, f"cannot read the file: {exc.strerror or exc}") from None
        compressed = magic == GZIP_MAGIC
        if not compressed and p.suffix.lower() == ".gz" and magic:
            raise IngestFileError(path, 1, "1", "the name ends in .gz but the content is not gzip-compressed")
        stream = gzip.GzipFile(fileobj=raw) if compressed else raw
        try:
            if one_document:
                return _read_document(path, stream, MAX_DOCUMENT_BYTES)
            return _read_lines(path, stream, MAX_LINE_BYTES)
        except (OSError, EOFError, zlib.error) as exc:
            if compressed:
                raise IngestFileError(path, None, None, f"corrupt gzip data: {exc}") from None
            raise IngestFileError(path, None, None, f"cannot read the file: {exc.strerror or exc}") from None


def _read_lines(path, stream, limit: int) -> bytes:
    """Reads chunks no longer than `limit`, so a line within one chunk is never too long: only the line
    that runs across chunk boundaries is measured."""
    chunks, line, run = [], 1, 0  # run: bytes of the current line read so far
    while chunk := stream.read(min(CHUNK, limit)):
        first = chunk.find(b"\n")
        if first < 0:
            run += len(chunk)
        else:
            if run + first > limit:
                break
            line += chunk.count(b"\n")
            run = len(chunk) - chunk.rfind(b"\n") - 1
        if run > limit:
            break
        chunks.append(chunk)
    else:
        return b"".join(chunks)
    raise IngestFileError(path, line, None, f"the line is longer than {_size(limit)} (the limit of one line of "
                          "meter data): not a meter-reading file, or a wrong --format")


def _read_document(path, stream, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise IngestFileError(path, None, None, f"the document is larger than {_size(limit)} (the limit of one "
                              "UrbanDataset): split it, e.g. by month")
    return data


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n:,} bytes"


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
