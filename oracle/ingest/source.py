"""Reading a file's bytes (plain or gzip) and decoding them as UTF-8, with errors that name the
file, the line and the column of the offending byte."""

from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

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


@contextmanager
def _opened(path: str | Path):
    """The file's byte stream (gunzipped when it starts with the gzip magic bytes); read errors inside the
    block become IngestFileError naming the file."""
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
        try:
            yield gzip.GzipFile(fileobj=raw) if compressed else raw
        except (OSError, EOFError, zlib.error) as exc:
            if compressed:
                raise IngestFileError(path, None, None, f"corrupt gzip data: {exc}") from None
            raise IngestFileError(path, None, None, f"cannot read the file: {exc.strerror or exc}") from None


def read_bytes(path: str | Path, *, one_document: bool = False) -> bytes:
    """The file's content, gunzipped when it starts with the gzip magic bytes (or ends in .gz).

    Read in chunks, and refused (IngestFileError) as soon as a line grows longer than MAX_LINE_BYTES — or,
    for ``one_document`` formats (JSON), the content than MAX_DOCUMENT_BYTES — before it is read whole.
    """
    with _opened(path) as stream:
        if one_document:
            return _read_document(path, stream, MAX_DOCUMENT_BYTES)
        return _read_lines(path, stream, MAX_LINE_BYTES)


def iter_line_blocks(path: str | Path, lines_per_block: int) -> Iterator[tuple[int, bytes]]:
    """The file as blocks of ``lines_per_block`` whole lines (the last block may be shorter or lack its final
    newline): (1-based number of the block's first line, bytes). Memory holds one block; a line longer than
    MAX_LINE_BYTES is refused as in :func:`read_bytes`."""
    with _opened(path) as stream:
        pieces, newlines, open_run, first_line = [], 0, 0, 1  # open_run: bytes after the last newline
        while piece := stream.read(min(CHUNK, MAX_LINE_BYTES)):
            pieces.append(piece)
            count = piece.count(b"\n")
            newlines += count
            open_run = open_run + len(piece) if count == 0 else len(piece) - piece.rfind(b"\n") - 1
            if open_run > MAX_LINE_BYTES:
                _line_too_long(path, first_line + newlines)
            while newlines >= lines_per_block:
                data = b"".join(pieces)
                cut = _nth_newline_end(data, lines_per_block)
                yield first_line, data[:cut]
                pieces, newlines, first_line = [data[cut:]], newlines - lines_per_block, first_line + lines_per_block
        rest = b"".join(pieces)
        if rest:
            yield first_line, rest


def _nth_newline_end(data: bytes, n: int) -> int:
    """The index just after the n-th newline of ``data`` (which holds at least n)."""
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    return int(newlines[n - 1]) + 1


def _line_too_long(path, line: int):
    raise IngestFileError(
        path,
        line,
        None,
        f"the line is longer than {_size(MAX_LINE_BYTES)} (the limit of one "
        "line of meter data): not a meter-reading file, or a wrong --format",
    )


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
    raise IngestFileError(
        path,
        line,
        None,
        f"the line is longer than {_size(limit)} (the limit of one line of "
        "meter data): not a meter-reading file, or a wrong --format",
    )


def _read_document(path, stream, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise IngestFileError(
            path,
            None,
            None,
            f"the document is larger than {_size(limit)} (the limit of one UrbanDataset): split it, e.g. by month",
        )
    return data


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n:,} bytes"


def char_column(line_no: int, before: bytes, whole: bytes, first: bytes) -> str:
    """Default column: the 1-based character position in the line."""
    return str(len(before.decode("utf-8", "replace")) + 1)


def _position_error(
    path, data: bytes, pos: int, message: str, column_of: ColumnOf, first_line: int = 1, header: bytes | None = None
) -> IngestFileError:
    line_no = data.count(b"\n", 0, pos) + first_line
    start = data.rfind(b"\n", 0, pos) + 1
    end = data.find(b"\n", pos)
    end = len(data) if end < 0 else end
    first_end = data.find(b"\n")
    first = data[: len(data) if first_end < 0 else first_end].rstrip(b"\r") if header is None else header
    try:
        column = column_of(line_no, data[start:pos], data[start:end].rstrip(b"\r"), first)
    except Exception:  # a column resolver must never hide the real error
        column = char_column(line_no, data[start:pos], b"", b"")
    return IngestFileError(path, line_no, column, message)


def decode_text(
    path: str | Path,
    data: bytes,
    column_of: ColumnOf = char_column,
    *,
    first_line: int = 1,
    header: bytes | None = None,
) -> str:
    """UTF-8 text of ``data`` (a leading BOM is dropped, CRLF becomes LF).

    ``data`` may be a block of a file starting at line ``first_line`` (then ``header`` is the file's first
    line, for ``column_of``; a BOM is only looked for at the start of the file).
    Raises IngestFileError for UTF-16/32 content, NUL bytes (binary files) and undecodable bytes.
    """
    if first_line > 1:
        return _decode_utf8(path, data, column_of, first_line, header)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise IngestFileError(path, 1, "1", "UTF-32 encoded file: the file must be UTF-8 encoded")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestFileError(path, 1, "1", "UTF-16 encoded file: the file must be UTF-8 encoded")
    return _decode_utf8(path, data, column_of, first_line, header)


def _decode_utf8(path, data: bytes, column_of: ColumnOf, first_line: int, header: bytes | None) -> str:
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _position_error(
            path, data, nul, "binary content (NUL byte): not a UTF-8 text file", column_of, first_line, header
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        raise _position_error(
            path,
            data,
            exc.start,
            f"invalid UTF-8 byte 0x{bad:02x} ({exc.reason}): the file must be UTF-8 encoded",
            column_of,
            first_line,
            header,
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


def delimited_text(path, data: bytes, column_of: ColumnOf, what: str, text: str | None = None) -> str:
    """The decoded text of a delimited file (csv, ec-csv): not empty, and not JSON given by mistake (``text``:
    ``data`` already decoded)."""
    text = decode_text(path, data, column_of=column_of) if text is None else text
    check_not_empty(path, text)
    ch, line, col = first_char(text)
    if ch in "{[":
        raise IngestFileError(
            path, line, str(col), f"this is JSON, not {what} (an UrbanDataset? use --format urbandataset)"
        )
    return text
