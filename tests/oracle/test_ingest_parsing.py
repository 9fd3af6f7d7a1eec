"""File parsers and cleaning of meter readings (oracle.ingest): whole-file errors, line anomalies,
pre-processing (snap, duplicates, DST, gaps), the three formats. Values are checked by hand."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle.ingest import FORMATS, READING_COLUMNS, Anomaly, IngestFileError, ParsedFile, clean_readings, parse_file

HEADER = "deviceid,timestamp,energy"
T0 = pd.Timestamp("2026-05-04T00:00:00Z")


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC") if pd.Timestamp(text).tzinfo else pd.Timestamp(text, tz="UTC")


def write(tmp_path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return str(path)


def csv_file(tmp_path, *rows: str, header: str = HEADER, name: str = "r.csv") -> str:
    return write(tmp_path, name, "\n".join([header, *rows]) + "\n")


def kinds(anomalies) -> list[str]:
    return [a.kind for a in anomalies]


def only(anomalies, kind: str) -> list[Anomaly]:
    return [a for a in anomalies if a.kind == kind]


def file_error(path, fmt="csv", **options) -> IngestFileError:
    with pytest.raises(IngestFileError) as info:
        parse_file(path, fmt, **options)
    return info.value


def assert_located(err: IngestFileError, path, line, column, *words):
    assert err.path == str(path)
    assert err.line == line
    assert err.column == column
    assert str(err) == f"{path}:{line}:{column}: {err.message}"
    for word in words:
        assert word in err.message


def clean(path, known=("A", "B"), fmt="csv", **kw):
    parsed = parse_file(path, fmt)
    rows, anomalies = clean_readings(parsed, set(known), **kw)
    return parsed, rows, anomalies


# --- the interface ------------------------------------------------------------------------------


def test_formats_and_unknown_format(tmp_path):
    assert FORMATS == ("csv", "ec-csv", "urbandataset")
    path = csv_file(tmp_path, "A,2026-05-04T00:00:00Z,1")
    with pytest.raises(ValueError, match="unknown format"):
        parse_file(path, "xml")
    with pytest.raises(ValueError, match="no option"):
        parse_file(path, "csv", user_prefix="u")


def test_error_text_omits_missing_parts():
    assert str(IngestFileError("f.csv", 3, "energy", "bad")) == "f.csv:3:energy: bad"
    assert str(IngestFileError("f.csv", 3, None, "bad")) == "f.csv:3: bad"
    assert str(IngestFileError("f.csv", None, None, "bad")) == "f.csv: bad"
    err = IngestFileError("f.csv", None, "Pfix", "bad")
    assert (err.path, err.line, err.column, err.message) == ("f.csv", None, "Pfix", "bad")


def test_clean_output_columns_types_and_order(tmp_path):
    path = csv_file(
        tmp_path,
        "B,2026-05-04T00:15:00Z,2",
        "A,2026-05-04T00:15:00Z,3",
        "B,2026-05-04T00:00:00Z,1",
        "A,2026-05-04T00:00:00+00:00,4",
    )
    parsed, rows, anomalies = clean(path)
    assert isinstance(parsed, ParsedFile) and parsed.format == "csv" and parsed.path == path
    assert list(parsed.readings.columns) == [c for c in READING_COLUMNS if c != "quality"]
    assert list(rows.columns) == READING_COLUMNS
    assert str(rows["ts"].dtype) == "datetime64[ns, UTC]"
    assert str(rows["line"].dtype) == "Int64"
    assert list(zip(rows["deviceid"], rows["ts"], rows["energy"], rows["line"])) == [
        ("A", T0, 4.0, 5),
        ("A", T0 + pd.Timedelta("15min"), 3.0, 3),
        ("B", T0, 1.0, 4),
        ("B", T0 + pd.Timedelta("15min"), 2.0, 2),
    ]
    assert set(rows["quality"]) == {"measured"}
    assert anomalies == []


def test_optional_columns_any_order_and_units_kept(tmp_path):
    path = csv_file(
        tmp_path,
        "230.5,A,-12.5,2026-05-04T00:00:00Z,1.5,55,100,-50",
        header="voltage,deviceid,energy,timestamp,current,chargestatus,powactive,powreactive",
    )
    _, rows, anomalies = clean(path)
    row = rows.iloc[0]
    assert (row.energy, row.voltage, row.current, row.chargestatus, row.powactive, row.powreactive) == (
        -12.5,
        230.5,
        1.5,
        55.0,
        100.0,
        -50.0,
    )
    assert anomalies == []


# --- whole-file errors: file, line and column are named -----------------------------------------


def test_wrong_header(tmp_path):
    path = csv_file(tmp_path, "A,2026-05-04T00:00:00Z,1", header="device,time,kwh")
    assert_located(file_error(path), path, 1, "device", "unknown column 'device'")


def test_header_line_missing(tmp_path):
    path = write(tmp_path, "r.csv", "A,2026-05-04T00:00:00Z,1\nA,2026-05-04T00:15:00Z,2\n")
    assert_located(file_error(path), path, 1, "A", "unknown column", "header line missing")


def test_missing_required_column(tmp_path):
    path = csv_file(tmp_path, "A,2026-05-04T00:00:00Z", header="deviceid,timestamp")
    assert_located(file_error(path), path, 1, "energy", "missing required column 'energy'")


def test_unknown_extra_column(tmp_path):
    path = csv_file(tmp_path, "A,2026-05-04T00:00:00Z,1,20", header="deviceid,timestamp,energy,temperature")
    assert_located(file_error(path), path, 1, "temperature", "unknown column 'temperature'")


def test_duplicate_and_empty_column_names(tmp_path):
    path = csv_file(tmp_path, "A,2026-05-04T00:00:00Z,1,2", header="deviceid,timestamp,energy,Energy")
    assert_located(file_error(path), path, 1, "Energy", "duplicate column")
    path = csv_file(tmp_path, "A,2026-05-04T00:00:00Z,1,2", header="deviceid,timestamp,energy,", name="e.csv")
    assert_located(file_error(path), path, 1, "#4", "empty column name")


def test_semicolon_header_is_not_canonical_csv(tmp_path):
    path = csv_file(tmp_path, "A;2026-05-04T00:00:00Z;1", header="deviceid;timestamp;energy")
    assert_located(file_error(path), path, 1, "deviceid", "not comma-separated", "ec-csv")


def test_wrong_encoding_names_line_and_column(tmp_path):
    content = (HEADER + "\nA,2026-05-04T00:00:00Z,1\nA,2026-05-04T00:15:00Z,2\xe9\n").encode("latin-1")
    path = write(tmp_path, "latin1.csv", content)
    assert_located(file_error(path), path, 3, "energy", "invalid UTF-8 byte 0xe9", "UTF-8")


def test_undecodable_byte_in_header_names_character_position(tmp_path):
    path = write(tmp_path, "h.csv", b"deviceid,timest\xffamp,energy\n")
    assert_located(file_error(path), path, 1, "16", "invalid UTF-8 byte 0xff")


def test_utf16_file(tmp_path):
    path = write(tmp_path, "u16.csv", (HEADER + "\nA,2026-05-04T00:00:00Z,1\n").encode("utf-16"))
    assert_located(file_error(path), path, 1, "1", "UTF-16")


def test_binary_junk(tmp_path):
    junk = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256))
    path = write(tmp_path, "junk.csv", junk)
    err = file_error(path)
    assert_located(err, path, 3, "1", "binary content")  # the NUL byte opens line 3
    for fmt in ("ec-csv", "urbandataset"):
        err = file_error(path, fmt)
        assert err.line == 3 and err.column and "binary" in err.message


def test_json_given_as_csv(tmp_path):
    path = write(tmp_path, "ud.csv", '\n  {"UrbanDataset": {}}\n')
    assert_located(file_error(path), path, 2, "3", "JSON", "urbandataset")


def test_csv_given_as_urbandataset(tmp_path):
    path = csv_file(tmp_path, "A,2026-05-04T00:00:00Z,1")
    assert_located(file_error(path, "urbandataset"), path, 1, "1", "not valid JSON", "looks like csv")


def test_invalid_json_names_line_and_column(tmp_path):
    path = write(tmp_path, "bad.json", '{"UrbanDataset": {\n  "values": {"line": [1, 2,]}\n}}')
    assert_located(file_error(path, "urbandataset"), path, 2, "28", "not valid JSON")


def test_empty_file(tmp_path):
    path = write(tmp_path, "empty.csv", b"")
    for fmt in FORMATS:
        assert_located(file_error(path, fmt), path, 1, "1", "empty file")
    blank = write(tmp_path, "blank.csv", "\n \n")
    assert_located(file_error(blank), blank, 1, "1", "empty file")


def test_header_only_file_has_no_data_rows(tmp_path):
    path = write(tmp_path, "h.csv", HEADER + "\n\n")
    assert_located(file_error(path), path, 2, "1", "no data rows")


def test_unreadable_file(tmp_path):
    missing = tmp_path / "nope.csv"
    err = file_error(missing)
    assert err.path == str(missing) and err.line is None and "cannot read" in err.message
    assert str(err).startswith(f"{missing}: ")
    err = file_error(tmp_path)  # a directory
    assert "cannot read" in err.message


def test_gz_suffix_without_gzip_content(tmp_path):
    path = write(tmp_path, "r.csv.gz", HEADER + "\nA,2026-05-04T00:00:00Z,1\n")
    assert_located(file_error(path), path, 1, "1", "not gzip-compressed")


def test_corrupt_gzip(tmp_path):
    good = gzip.compress((HEADER + "\nA,2026-05-04T00:00:00Z,1\n").encode())
    path = write(tmp_path, "r.csv.gz", good[:-12])
    err = file_error(path)
    assert err.path == path and "gzip" in err.message


# --- input variants --------------------------------------------------------------------------------


def test_gzip_input_by_suffix_and_by_magic_bytes(tmp_path):
    text = HEADER + "\nA,2026-05-04T00:00:00Z,1.5\nA,2026-05-04T00:15:00Z,2.5\n"
    for name in ("r.csv.gz", "r-no-suffix.csv"):
        path = write(tmp_path, name, gzip.compress(text.encode()))
        _, rows, anomalies = clean(path)
        assert list(rows["energy"]) == [1.5, 2.5] and list(rows["line"]) == [2, 3]
        assert anomalies == []


def test_bom_and_crlf_tolerated(tmp_path):
    content = b"\xef\xbb\xbf" + (HEADER + "\r\nA,2026-05-04T00:00:00Z,1\r\nA,2026-05-04T00:15:00Z,2\r\n").encode()
    path = write(tmp_path, "bom.csv", content)
    _, rows, anomalies = clean(path)
    assert list(rows["energy"]) == [1.0, 2.0] and list(rows["line"]) == [2, 3] and anomalies == []


def test_blank_lines_blanks_and_quotes(tmp_path):
    path = csv_file(tmp_path, "", " A , 2026-05-04T00:00:00Z , 1 ", "", '"B","2026-05-04T00:00:00Z","7"')
    _, rows, anomalies = clean(path)
    assert list(zip(rows["deviceid"], rows["energy"], rows["line"])) == [("A", 1.0, 3), ("B", 7.0, 5)]
    assert anomalies == []


def test_wrong_field_count_is_a_line_anomaly(tmp_path):
    path = csv_file(
        tmp_path,
        "A,2026-05-04T00:00:00Z,1",
        "A,2026-05-04T00:15:00Z,2,9",
        "A,2026-05-04T00:30:00Z",
        "A,2026-05-04T00:45:00Z,4",
    )
    parsed = parse_file(path)
    assert [(a.kind, a.line) for a in parsed.anomalies] == [("bad_field_count", 3), ("bad_field_count", 4)]
    assert list(parsed.readings["line"]) == [2, 5]


# --- line anomalies ------------------------------------------------------------------------------


def test_unknown_device_dropped(tmp_path):
    path = csv_file(tmp_path, "A,2026-05-04T00:00:00Z,1", "ZZ,2026-05-04T00:00:00Z,2")
    _, rows, anomalies = clean(path)
    assert list(rows["deviceid"]) == ["A"]
    (a,) = anomalies
    assert (a.kind, a.line, a.deviceid, a.ts) == ("unknown_device", 3, "ZZ", T0)
    assert "ZZ" in a.reason


def test_unparsable_numbers(tmp_path):
    path = csv_file(
        tmp_path,
        "A,2026-05-04T00:00:00Z,12;5,230",
        "A,2026-05-04T00:15:00Z,,230",
        "A,2026-05-04T00:30:00Z,3,abc",
        ",2026-05-04T00:45:00Z,4,230",
        header="deviceid,timestamp,energy,voltage",
    )
    parsed, rows, anomalies = clean(path, gap_limit=pd.Timedelta(minutes=15))
    assert [(a.kind, a.line) for a in parsed.anomalies] == [
        ("bad_number", 2),
        ("missing_field", 3),
        ("bad_number", 4),
        ("missing_field", 5),
    ]
    assert "energy '12;5' is not a number" in parsed.anomalies[0].reason
    assert "voltage 'abc'" in parsed.anomalies[2].reason and "reading kept" in parsed.anomalies[2].reason
    # only the row with the bad optional field survives, its voltage emptied
    assert list(rows["line"]) == [4] and rows["energy"].tolist() == [3.0] and np.isnan(rows["voltage"][0])


def test_bad_timestamp(tmp_path):
    path = csv_file(tmp_path, "A,yesterday,1", "A,2026-13-04T00:00:00Z,1", "A,2026-05-04T00:00:00Z,1")
    parsed = parse_file(path)
    assert [(a.kind, a.line) for a in parsed.anomalies] == [("bad_timestamp", 2), ("bad_timestamp", 3)]
    assert list(parsed.readings["line"]) == [4]


def test_nan_and_inf(tmp_path):
    path = csv_file(
        tmp_path,
        "A,2026-05-04T00:00:00Z,NaN,230",
        "A,2026-05-04T00:15:00Z,inf,230",
        "A,2026-05-04T00:30:00Z,-Infinity,230",
        "A,2026-05-04T00:45:00Z,5,inf",
        "A,2026-05-04T01:00:00Z,6,nan",
        header="deviceid,timestamp,energy,voltage",
    )
    parsed, rows, anomalies = clean(path)
    # optional NaN/inf: emptied at parse time, the reading kept
    assert [(a.kind, a.line) for a in parsed.anomalies] == [("non_finite", 5), ("non_finite", 6)]
    assert [(a.kind, a.line) for a in anomalies if a.kind == "non_finite"] == [
        ("non_finite", 5),
        ("non_finite", 6),
        ("non_finite", 2),
        ("non_finite", 3),
        ("non_finite", 4),
    ]
    assert list(rows["line"]) == [5, 6] and rows["voltage"].isna().all()


def test_non_finite_optional_field_from_another_source_is_nulled(tmp_path):
    parsed = parse_file(csv_file(tmp_path, "A,2026-05-04T00:00:00Z,1"))
    parsed.readings.loc[0, "current"] = np.inf
    rows, anomalies = clean_readings(parsed, {"A"})
    assert np.isnan(rows["current"][0]) and kinds(anomalies) == ["non_finite"]


def test_impossible_magnitudes(tmp_path):
    path = csv_file(
        tmp_path,
        "A,2026-05-04T00:00:00Z,250000,230,1,50",  # at the limit: kept
        "A,2026-05-04T00:15:00Z,250000.5,230,1,50",  # dropped
        "A,2026-05-04T00:30:00Z,-300000,230,1,50",  # dropped (|energy|)
        "A,2026-05-04T00:45:00Z,-250000,230,1,0",  # kept
        "A,2026-05-04T01:00:00Z,1,-230,1,50",  # negative voltage
        "A,2026-05-04T01:15:00Z,1,230,-0.5,50",  # negative current
        "A,2026-05-04T01:30:00Z,1,230,1,100.1",  # charge > 100
        "A,2026-05-04T01:45:00Z,1,230,1,-1",  # charge < 0
        "A,2026-05-04T02:00:00Z,1,230,1,100",  # kept
        header="deviceid,timestamp,energy,voltage,current,chargestatus",
    )
    _, rows, anomalies = clean(path, gap_limit=pd.Timedelta(minutes=15))
    assert [(a.kind, a.line) for a in anomalies if a.kind == "impossible_magnitude"] == [
        ("impossible_magnitude", n) for n in (3, 4, 6, 7, 8, 9)
    ]
    assert list(rows["line"]) == [2, 5, 10]
    _, rows, anomalies = clean(path, gap_limit=pd.Timedelta(minutes=15), max_abs_energy_wh=1e6)
    assert 3 in list(rows["line"]) and 4 in list(rows["line"])


def test_duplicates_keep_first(tmp_path):
    path = csv_file(
        tmp_path,
        "A,2026-05-04T00:00:00Z,1",
        "A,2026-05-04T00:00:00+00:00,2",
        "A,2026-05-04T00:00:00.000Z,1",
        "B,2026-05-04T00:00:00Z,9",
    )
    _, rows, anomalies = clean(path)
    assert list(zip(rows["deviceid"], rows["energy"], rows["line"])) == [("A", 1.0, 2), ("B", 9.0, 5)]
    assert [(a.kind, a.line, a.deviceid, a.ts) for a in anomalies] == [
        ("duplicate", 3, "A", T0),
        ("duplicate", 4, "A", T0),
    ]
    assert "line 2" in anomalies[0].reason and "energy 2 Wh, kept 1 Wh" in anomalies[0].reason
    assert "same energy" in anomalies[1].reason


def test_off_grid_snapped_to_nearest(tmp_path):
    path = csv_file(
        tmp_path,
        "A,2026-05-04T00:07:00Z,1",
        "A,2026-05-04T00:22:00Z,2",
        "A,2026-05-04T00:37:30Z,3",
        "A,2026-05-04T00:59:59.5Z,4",
    )
    _, rows, anomalies = clean(path)
    assert list(rows["ts"]) == [T0 + pd.Timedelta(minutes=m) for m in (0, 15, 30, 45, 60)]
    assert list(rows["quality"]) == ["snapped", "snapped", "interpolated", "snapped", "snapped"]
    # 00:37:30 is exactly half-way: it goes to the later grid point (00:45)
    assert rows["energy"].tolist() == [1.0, 2.0, 2.5, 3.0, 4.0]
    snaps = only(anomalies, "off_grid_snapped")
    assert [(a.line, a.ts) for a in snaps] == [
        (2, T0),
        (3, T0 + pd.Timedelta("15min")),
        (4, T0 + pd.Timedelta("45min")),
        (5, T0 + pd.Timedelta("60min")),
    ]
    assert "2026-05-04T00:07:00Z" in snaps[0].reason and "snapped to 2026-05-04T00:00:00Z" in snaps[0].reason


def test_snap_collision_is_a_duplicate_and_measured_wins(tmp_path):
    path = csv_file(tmp_path, "A,2026-05-04T00:16:00Z,5", "A,2026-05-04T00:15:00Z,6", "A,2026-05-04T00:14:00Z,7")
    _, rows, anomalies = clean(path)
    assert list(zip(rows["energy"], rows["quality"], rows["line"])) == [(6.0, "measured", 3)]
    assert [(a.kind, a.line) for a in anomalies] == [("duplicate", 2), ("duplicate", 4)]
    assert "snapped to 2026-05-04T00:15:00Z collides with line 3" in anomalies[0].reason


def test_missing_offset_dropped(tmp_path):
    path = csv_file(tmp_path, "A,2026-05-04T00:00:00,1", "A,2026-05-04,1", "A,2026-05-04T00:15:00+0200,2")
    parsed, rows, anomalies = clean(path)
    assert [(a.kind, a.line, a.ts) for a in parsed.anomalies] == [
        ("missing_offset", 2, None),
        ("missing_offset", 3, None),
    ]
    assert list(rows["ts"]) == [ts("2026-05-03T22:15:00Z")]


def test_dst_change_october_2026_rome_offsets(tmp_path):
    # last Sunday of October 2026 is the 25th: 03:00 CEST becomes 02:00 CET; the local hour 02:00-03:00
    # appears twice but the written offsets make every reading unambiguous.
    rows_in = [
        "A,2026-10-25T01:45:00+02:00,10",
        "A,2026-10-25T02:00:00+02:00,11",
        "A,2026-10-25T02:15:00+02:00,12",
        "A,2026-10-25T02:30:00+02:00,13",
        "A,2026-10-25T02:45:00+02:00,14",
        "A,2026-10-25T02:00:00+01:00,15",
        "A,2026-10-25T02:15:00+01:00,16",
        "A,2026-10-25T02:30:00+01:00,17",
        "A,2026-10-25T02:45:00+01:00,18",
        "A,2026-10-25T03:00:00+01:00,19",
    ]
    path = csv_file(tmp_path, *rows_in)
    _, rows, anomalies = clean(path)
    assert list(rows["ts"]) == list(pd.date_range("2026-10-24T23:45:00Z", periods=10, freq="15min"))
    assert rows["energy"].tolist() == [float(v) for v in range(10, 20)]
    assert set(rows["quality"]) == {"measured"}
    (a,) = anomalies
    assert (a.kind, a.line, a.deviceid, a.ts) == ("dst_change", 7, "A", ts("2026-10-25T01:00:00Z"))
    assert "+02:00 to +01:00" in a.reason


def test_gap_shorter_than_limit_interpolated_linearly(tmp_path):
    path = csv_file(tmp_path, "A,2026-05-04T00:00:00Z,100", "A,2026-05-04T01:00:00Z,180", "A,2026-05-04T01:15:00Z,0")
    _, rows, anomalies = clean(path)
    assert rows["energy"].tolist() == [100.0, 120.0, 140.0, 160.0, 180.0, 0.0]
    assert list(rows["quality"]) == ["measured", "interpolated", "interpolated", "interpolated", "measured", "measured"]
    assert rows["line"].isna().tolist() == [False, True, True, True, False, False]
    (a,) = anomalies
    assert (a.kind, a.line, a.deviceid, a.ts) == ("gap_interpolated", None, "A", T0 + pd.Timedelta("15min"))
    assert "3 missing quarter-hours (45 min)" in a.reason and "line 2 and line 3" in a.reason


def test_gap_equal_to_or_longer_than_limit_left_missing(tmp_path):
    path = csv_file(
        tmp_path,
        "A,2026-05-04T00:00:00Z,10",
        "A,2026-05-04T06:15:00Z,20",  # 24 slots = 6 h: left missing
        "B,2026-05-04T00:00:00Z,0",
        "B,2026-05-04T06:00:00Z,24",  # 23 slots = 5 h 45: filled
        "A,2026-05-05T00:00:00Z,1",
    )  # 17 h 30 missing: left
    _, rows, anomalies = clean(path)
    a_rows = rows[rows["deviceid"] == "A"]
    assert a_rows["energy"].tolist() == [10.0, 20.0, 1.0]
    b_rows = rows[rows["deviceid"] == "B"]
    assert len(b_rows) == 25 and b_rows["energy"].tolist() == [float(v) for v in range(25)]
    assert [(a.kind, a.deviceid, a.ts) for a in anomalies] == [
        ("gap_left_missing", "A", T0 + pd.Timedelta("15min")),
        ("gap_left_missing", "A", ts("2026-05-04T06:30:00Z")),
        ("gap_interpolated", "B", T0 + pd.Timedelta("15min")),
    ]
    assert "24 missing quarter-hours (6 h)" in anomalies[0].reason


def test_gap_limit_is_configurable(tmp_path):
    path = csv_file(tmp_path, "A,2026-05-04T00:00:00Z,0", "A,2026-05-04T00:30:00Z,10", "A,2026-05-04T01:15:00Z,40")
    _, rows, anomalies = clean(path, gap_limit=pd.Timedelta(minutes=30))
    assert rows["energy"].tolist() == [0.0, 5.0, 10.0, 40.0]
    assert kinds(anomalies) == ["gap_interpolated", "gap_left_missing"]
    _, rows, anomalies = clean(path, gap_limit=pd.Timedelta(minutes=15))
    assert rows["energy"].tolist() == [0.0, 10.0, 40.0]
    assert kinds(anomalies) == ["gap_left_missing", "gap_left_missing"]
    _, rows, _ = clean(path, gap_limit="1h")
    assert rows["energy"].tolist() == [0.0, 5.0, 10.0, 20.0, 30.0, 40.0]
    with pytest.raises(ValueError):
        clean(path, gap_limit=pd.Timedelta(0))


def test_dropped_reading_becomes_an_interpolated_gap(tmp_path):
    path = csv_file(tmp_path, "A,2026-05-04T00:00:00Z,2", "A,2026-05-04T00:15:00Z,NaN", "A,2026-05-04T00:30:00Z,4")
    _, rows, anomalies = clean(path)
    assert rows["energy"].tolist() == [2.0, 3.0, 4.0]
    assert kinds(anomalies) == ["non_finite", "gap_interpolated"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.floats(-1000, 1000, allow_nan=False)), min_size=1, max_size=30))
def test_property_clean_grid_is_complete_sorted_and_keeps_measurements(slots):
    seen = {}
    for slot, value in slots:
        seen.setdefault(slot, value)
    readings = pd.DataFrame(
        {
            "deviceid": ["A"] * len(slots),
            "ts": [T0 + slot * pd.Timedelta("15min") for slot, _ in slots],
            "energy": [v for _, v in slots],
            **dict.fromkeys(("powactive", "powreactive", "current", "voltage", "chargestatus"), np.nan),
            "line": pd.array(range(2, len(slots) + 2), dtype="Int64"),
        }
    )
    rows, anomalies = clean_readings(ParsedFile("mem", "csv", readings, []), {"A"}, gap_limit=pd.Timedelta(days=1))
    first, last = min(seen), max(seen)
    assert list(rows["ts"]) == [T0 + k * pd.Timedelta("15min") for k in range(first, last + 1)]
    measured = rows[rows["quality"] == "measured"]
    assert {int((t - T0) / pd.Timedelta("15min")): e for t, e in zip(measured["ts"], measured["energy"])} == seen
    assert len(only(anomalies, "duplicate")) == len(slots) - len(seen)


# --- ec-csv (seed 003) ---------------------------------------------------------------------------

EC_FILE = """Δt;15;;;;
T;2;;;
St;20190115;16012019;;;
Dt;2;;
λ;43,719;;
φ;10,427;;
N;2;;
IDn;POD-A;POD-B
PRn;0;1;
Nfix;1;2
Pfix;400;;;
;1000;200,5
;-;;
;8;8
;1;
;3;-
;10
;10;10
NPV;1
ZPV;10
PPV;0,1;0,2;-;0.4
ρt;60.28;60.28;59;59
"""


def test_ec_csv_happy_path_values_by_hand(tmp_path):
    path = write(tmp_path, "ec.csv", EC_FILE)
    parsed = parse_file(path, "ec-csv")
    assert parsed.format == "ec-csv"
    got = list(
        zip(parsed.readings["deviceid"], parsed.readings["ts"], parsed.readings["energy"], parsed.readings["line"])
    )
    d1, d2 = ts("2019-01-15T00:00:00Z"), ts("2019-01-16T00:00:00Z")
    q = pd.Timedelta("15min")
    assert got == [
        ("POD-A", d1, 100.0, 11),  # 400 W × 0.25 h
        ("POD-B", d1, 300.125, 12),  # (1000 + 200.5) W × 0.25 h
        ("POD-B", d1 + q, 4.0, 14),  # (8 + 8) × 0.25
        ("POD-A", d2, 0.25, 15),
        ("POD-A", d2 + q, 2.5, 17),
        ("POD-B", d2 + q, 5.0, 18),
        ("pv1", d1, -250.0, 21),  # −10 modules × 0.1 kW × 1000 × 0.25 h
        ("pv1", d1 + q, -500.0, 21),
        ("pv1", d2 + q, -1000.0, 21),  # 0.4 written with '.', accepted
    ]
    assert [(a.kind, a.line, a.deviceid, a.ts) for a in parsed.anomalies] == [
        ("missing_value", 13, "POD-A", d1 + q),
        ("missing_value", 16, "POD-B", d2),
        ("missing_value", 21, "pv1", d2),
    ]
    rows, anomalies = clean_readings(parsed, {"POD-A", "POD-B", "pv1"})
    # the two intervals are days apart: gaps of 23 h 30 are left missing, in-day holes too
    assert len(rows) == 9 and set(rows["quality"]) == {"measured"}
    assert kinds(anomalies).count("gap_left_missing") == 3


def test_ec_csv_default_device_ids_and_local_time_zone(tmp_path):
    # St 25/10/2026 is local midnight in Europe/Rome (TZ extension row): 2026-10-24T22:00Z; the steps
    # advance by 15 minutes of elapsed time across the DST change at 01:00Z.
    rows = [f";{w}" for w in range(1, 17)]  # user 1 only: 16 steps of 1..16 W
    text = (
        "\n".join(["Δt;15", "St;25102026", "Dt;16", "TZ;Europe/Rome", "N;1", "P_{fix};" + rows[0][1:], *rows[1:]])
        + "\n"
    )
    path = write(tmp_path, "ec.csv", text)
    parsed = parse_file(path, "ec-csv", user_prefix="home")
    r = parsed.readings
    assert set(r["deviceid"]) == {"home1"}
    assert list(r["ts"]) == list(pd.date_range("2026-10-24T22:00:00Z", periods=16, freq="15min"))
    assert r["energy"].tolist() == [w / 4 for w in range(1, 17)]
    (dst,) = parsed.anomalies
    assert (dst.kind, dst.ts, dst.line) == ("dst_change", ts("2026-10-25T01:00:00Z"), 18)


def test_ec_csv_whole_file_errors(tmp_path):
    base = ["Δt;15", "T;1", "St;20190115", "Dt;2", "N;2", "Pfix;1", ";2", ";3"]
    path = write(tmp_path, "short.csv", "\n".join(base) + "\n")
    assert_located(file_error(path, "ec-csv"), path, 6, "Pfix", "2 × 2 = 4 rows", "found 3")
    path = write(tmp_path, "dt.csv", "\n".join(["Δt;60"] + base[1:]) + "\n")
    assert_located(file_error(path, "ec-csv"), path, 1, "Δt[1]", "only 15-minute data")
    path = write(tmp_path, "st.csv", "\n".join(base[:2] + ["St;2019-15-01"] + base[3:]) + "\n")
    assert_located(file_error(path, "ec-csv"), path, 3, "St[1]", "start date")
    path = write(tmp_path, "t.csv", "\n".join(base[:1] + ["T;2"] + base[2:]) + "\n")
    assert_located(file_error(path, "ec-csv"), path, 3, "St", "T = 2 intervals")
    path = write(tmp_path, "n.csv", "\n".join(base[:4] + base[5:]) + "\n")
    err = file_error(path, "ec-csv")
    assert err.column == "N" and "missing row" in err.message
    path = write(tmp_path, "dup.csv", "\n".join(base + ["N;3"]) + "\n")
    assert_located(file_error(path, "ec-csv"), path, 9, "N", "appears twice")
    path = write(tmp_path, "enc.csv", ("\n".join(base[:5]) + "\nPfix;1").encode() + b"\xe9\n")
    assert_located(file_error(path, "ec-csv"), path, 6, "Pfix[1]", "invalid UTF-8")


def test_canonical_csv_given_as_ec_csv(tmp_path):
    path = csv_file(tmp_path, "A,2026-05-04T00:00:00Z,1")
    assert_located(file_error(path, "ec-csv"), path, 1, HEADER, "not a seed-003", "--format csv")


def test_ec_csv_bad_number_is_a_line_anomaly(tmp_path):
    path = write(tmp_path, "ec.csv", "Δt;15\nSt;20190115\nDt;2\nN;1\nPfix;1,5\n;x\n")
    parsed = parse_file(path, "ec-csv")
    assert parsed.readings["energy"].tolist() == [0.375]
    assert [(a.kind, a.line) for a in parsed.anomalies] == [("bad_number", 6)]


# --- UrbanDataset ----------------------------------------------------------------------------------


def urban_dataset(lines, tz="Europe/Rome", definitions=None, wrap=True):
    definitions = (
        definitions
        if definitions is not None
        else [
            {
                "propertyName": "ActiveEnergy",
                "propertyDescription": "Energia attiva consumata",
                "dataType": "double",
                "unitOfMeasure": "kilowattHour",
            },
            {"propertyName": "PODID", "dataType": "string", "unitOfMeasure": "dimensionless"},
        ]
    )
    body = {
        "specification": {
            "version": "2.0",
            "id": {"value": "ElectricMeterReading-2.0", "schemeID": "SCPS"},
            "name": "Electric Meter Reading",
            "properties": {"propertyDefinition": definitions},
        },
        "context": {
            "producer": {"id": "lec", "schemeID": "SCPS"},
            "timeZone": tz,
            "timestamp": "2026-10-26T00:00:00",
            "coordinates": {"format": "WGS84-DD", "latitude": 43.719, "longitude": 10.427, "height": 0},
        },
        "values": {
            "line": [
                {
                    "id": i + 1,
                    "coordinates": {"format": "WGS84-DD", "latitude": 43.7, "longitude": 10.4, "height": 0},
                    "period": {"start_ts": start, **({"end_ts": end} if end else {})},
                    "property": [{"name": name, "val": val} for name, val in props],
                }
                for i, (start, end, props) in enumerate(lines)
            ]
        },
    }
    return {"UrbanDataset": body} if wrap else body


def ud_file(tmp_path, lines, name="ud.json", **kw) -> str:
    return write(tmp_path, name, json.dumps(urban_dataset(lines, **kw), indent=1))


def test_urbandataset_autumn_repeated_hour_by_order_of_appearance(tmp_path):
    walls = ["01:45", "02:00", "02:15", "02:30", "02:45", "02:00", "02:15", "02:30", "02:45", "03:00"]
    lines = [
        (f"2026-10-25T{w}:00", None, [("PODID", "IT001E1"), ("ActiveEnergy", f"{0.1 * (i + 1):.1f}")])
        for i, w in enumerate(walls)
    ]
    path = ud_file(tmp_path, lines)
    parsed = parse_file(path, "urbandataset")
    r = parsed.readings
    # first 02:xx pass is CEST (+02:00), the second CET (+01:00): ten consecutive quarter-hours in UTC
    assert list(r["ts"]) == list(pd.date_range("2026-10-24T23:45:00Z", periods=10, freq="15min"))
    assert r["energy"].tolist() == pytest.approx([100.0 * k for k in range(1, 11)])  # kWh -> Wh
    assert set(r["deviceid"]) == {"IT001E1"}
    text = open(path).read()
    first_line_of_entries = [n + 1 for n, t in enumerate(text.split("\n")) if t == "    {"]
    assert len(first_line_of_entries) == 10
    assert list(r["line"]) == first_line_of_entries
    (dst,) = parsed.anomalies
    assert (dst.kind, dst.ts, dst.deviceid) == ("dst_change", ts("2026-10-25T01:00:00Z"), "IT001E1")
    rows, anomalies = clean_readings(parsed, {"IT001E1"})
    assert len(rows) == 10 and kinds(anomalies) == ["dst_change"]


def test_urbandataset_spring_skipped_hour(tmp_path):
    lines = [
        ("2026-03-29T01:30:00", "2026-03-29T01:45:00", [("PODID", "P"), ("ActiveEnergy", 0.25)]),
        ("2026-03-29T01:45:00", "2026-03-29T03:00:00", [("PODID", "P"), ("ActiveEnergy", 0.5)]),
        ("2026-03-29T02:15:00", None, [("PODID", "P"), ("ActiveEnergy", 9)]),
        ("2026-03-29T03:00:00", "2026-03-29T03:15:00", [("PODID", "P"), ("ActiveEnergy", 0.75)]),
    ]
    parsed = parse_file(ud_file(tmp_path, lines), "urbandataset")
    r = parsed.readings
    assert list(r["ts"]) == [ts("2026-03-29T00:30:00Z"), ts("2026-03-29T00:45:00Z"), ts("2026-03-29T01:00:00Z")]
    assert r["energy"].tolist() == [250.0, 500.0, 750.0]
    assert kinds(parsed.anomalies) == ["nonexistent_time", "dst_change"]
    assert "values.line[2] (id 3)" in parsed.anomalies[0].reason
    rows, anomalies = clean_readings(parsed, {"P"})
    assert len(rows) == 3 and "gap_interpolated" not in kinds(anomalies)  # no gap across the change


def test_urbandataset_fixed_offset_units_sign_and_optional_fields(tmp_path):
    definitions = [
        {"propertyName": "ElectricProduction", "dataType": "double", "unitOfMeasure": "wattHour"},
        {"propertyName": "ActiveEnergy", "dataType": "double", "unitOfMeasure": "kilowattHour"},
        {"propertyName": "ActivePower", "dataType": "double", "unitOfMeasure": "kilowatt"},
        {"propertyName": "PhaseVoltage", "dataType": "double", "unitOfMeasure": "volt"},
    ]
    lines = [
        (
            "2026-07-01T12:00:00",
            "2026-07-01T12:15:00",
            [("MeterID", "PV-1"), ("ElectricProduction", "350"), ("ActivePower", "1.4")],
        ),
        ("2026-07-01T12:00:00", None, [("POD", "H-1"), ("ActiveEnergy", "0.2"), ("PhaseVoltage", "229.5")]),
        ("2026-07-01T12:15:00+01:00", None, [("deviceid", "H-1"), ("energy", "-30")]),
        ("2026-07-01T12:30:00", "2026-07-01T13:30:00", [("POD", "H-1"), ("ActiveEnergy", "1")]),
        ("2026-07-01T12:45:00", None, [("ActiveEnergy", "1")]),
        ("2026-07-01T12:45:00", None, [("POD", "H-1"), ("ActiveEnergy", "1"), ("ElectricProduction", "2")]),
        ("2026-07-01T12:45:00", None, [("POD", "H-1"), ("ActiveEnergy", "n/a")]),
        ("2026-07-01T12:45:00", None, [("POD", "H-1"), ("ActiveEnergy", "1"), ("ActivePower", "x")]),
    ]
    path = ud_file(tmp_path, lines, tz="UTC+1", definitions=definitions)
    parsed = parse_file(path, "urbandataset")
    r = parsed.readings
    assert list(zip(r["deviceid"], r["ts"], r["energy"])) == [
        ("PV-1", ts("2026-07-01T11:00:00Z"), -350.0),  # produced: negative, Wh as declared
        ("H-1", ts("2026-07-01T11:00:00Z"), 200.0),  # UTC+1 fixed: 12:00 local = 11:00Z, 0.2 kWh
        ("H-1", ts("2026-07-01T11:15:00Z"), -30.0),  # explicit offset; the platform's signed Wh
        ("H-1", ts("2026-07-01T11:45:00Z"), 1000.0),  # bad ActivePower: field emptied, line kept
    ]
    assert r["powactive"].tolist()[0] == 1400.0 and r["voltage"].tolist()[1] == 229.5
    assert np.isnan(r["powactive"].tolist()[3])
    assert kinds(parsed.anomalies) == ["bad_period", "missing_field", "ambiguous_energy", "bad_number", "bad_number"]


def test_urbandataset_without_wrapper_and_without_time_zone(tmp_path):
    lines = [
        ("2026-07-01T12:00:00Z", None, [("PODID", "A"), ("ActiveEnergy", 1)]),
        ("2026-07-01T12:15:00", None, [("PODID", "A"), ("ActiveEnergy", 1)]),
    ]
    body = urban_dataset(lines, wrap=False)
    del body["context"]["timeZone"]
    path = write(tmp_path, "bare.json", json.dumps(body))
    parsed = parse_file(path, "urbandataset")
    assert list(parsed.readings["ts"]) == [ts("2026-07-01T12:00:00Z")]
    assert kinds(parsed.anomalies) == ["missing_offset"]
    assert parsed.anomalies[0].line == 1  # single-line JSON: the reason names values.line[1]
    assert "values.line[1] (id 2)" in parsed.anomalies[0].reason


def test_urbandataset_whole_file_errors(tmp_path):
    path = write(tmp_path, "a.json", "[1, 2]")
    assert_located(file_error(path, "urbandataset"), path, 1, "1", "not an UrbanDataset")
    path = write(tmp_path, "b.json", '{"foo": {}}')
    assert_located(file_error(path, "urbandataset"), path, 1, "UrbanDataset", "not an UrbanDataset")
    path = ud_file(tmp_path, [], name="c.json")
    err = file_error(path, "urbandataset")
    assert err.column == "UrbanDataset.values.line" and "empty file" in err.message and err.line
    path = ud_file(
        tmp_path,
        [("2026-07-01T12:00:00", None, [("PODID", "A"), ("ActiveEnergy", 1)])],
        name="d.json",
        tz="Mars/Olympus",
    )
    err = file_error(path, "urbandataset")
    assert err.column == "UrbanDataset.context.timeZone" and "unknown time zone" in err.message
    assert open(path).read().split("\n")[err.line - 1].strip().startswith('"timeZone"')
    path = ud_file(
        tmp_path,
        [("2026-07-01T12:00:00", None, [("PODID", "A"), ("ActiveEnergy", 1)])],
        name="e.json",
        definitions=[{"propertyName": "ActiveEnergy", "unitOfMeasure": "calorie"}],
    )
    err = file_error(path, "urbandataset")
    assert "unknown unit 'calorie'" in err.message and "unitOfMeasure" in err.column and err.line


# --- issue 7: times outside 2000-2100, over-long device ids and lines, numbers that are not plain ------------


@pytest.mark.parametrize(
    "text,outside",
    [
        ("2999-10-01T00:00:00Z", True),
        ("1600-10-01T00:00:00Z", True),
        ("0001-10-01T00:00:00Z", True),
        ("9999-10-01T00:00:00Z", True),
        ("1678-10-01T00:00:00Z", True),
        ("2262-10-01T00:00:00Z", True),
        ("1999-12-31T23:45:00Z", True),
        ("2000-01-01T00:00:00Z", False),
        ("2000-01-01T00:30:00+01:00", True),
        ("2099-12-31T23:45:00Z", False),
        ("2100-01-01T00:00:00Z", True),
        ("2100-01-01T00:30:00+01:00", False),
    ],
)
def test_csv_times_outside_the_plausible_window(tmp_path, text, outside):
    parsed = parse_file(csv_file(tmp_path, f"A,{text},1", "A,2026-05-04T00:00:00Z,2"))
    assert parsed.readings["energy"].tolist() == ([2.0] if outside else [1.0, 2.0])
    found = only(parsed.anomalies, "implausible_time")
    assert [(a.line, a.deviceid, a.ts) for a in found] == ([(2, "A", None)] if outside else [])
    if outside:
        assert found[0].reason == (
            f"timestamp {text!r} is outside the plausible window 2000-01-01 .. 2100-01-01 UTC; reading dropped"
        )


def test_urbandataset_times_outside_the_plausible_window(tmp_path):
    lines = [
        ("2999-10-01T00:00:00Z", None, [("PODID", "A"), ("ActiveEnergy", 1)]),  # explicit offset
        ("1600-10-01T00:00:00", None, [("PODID", "A"), ("ActiveEnergy", 1)]),  # local, far
        ("2000-01-01T00:30:00", None, [("PODID", "A"), ("ActiveEnergy", 1)]),  # 1999-12-31T23:30Z in UTC+1
        ("2000-01-01T01:00:00", None, [("PODID", "A"), ("ActiveEnergy", 1)]),
    ]  # 2000-01-01T00:00Z: kept
    path = ud_file(tmp_path, lines, tz="UTC+1")
    parsed = parse_file(path, "urbandataset")
    assert list(parsed.readings["ts"]) == [ts("2000-01-01T00:00:00Z")]
    found = only(parsed.anomalies, "implausible_time")
    assert [a.reason.split(":")[0] for a in found] == [
        "values.line[0] (id 1)",
        "values.line[1] (id 2)",
        "values.line[2] (id 3)",
    ]
    assert all("outside the plausible window 2000-01-01 .. 2100-01-01 UTC; line dropped" in a.reason for a in found)
    entry_lines = [n + 1 for n, t in enumerate(open(path).read().split("\n")) if t == "    {"]
    assert [a.line for a in found] == entry_lines[:3]


def test_ec_csv_start_dates_outside_the_plausible_window(tmp_path):
    # St 01/10/2999 and 31/12/1999 (local midnight in UTC+1 is 1999-12-30T23:00Z) are outside, 02/01/2000 is in
    text = "Δt;15\nSt;01102999;31121999;02012000\nDt;2\nN;1\nTZ;UTC+1\nPfix;4\n" + ";4\n" * 5
    parsed = parse_file(write(tmp_path, "ec.csv", text), "ec-csv")
    assert list(parsed.readings["ts"]) == [ts("2000-01-01T23:00:00Z"), ts("2000-01-01T23:15:00Z")]
    found = only(parsed.anomalies, "implausible_time")
    assert [(a.line, a.deviceid) for a in found] == [(6, "user1"), (7, "user1"), (8, "user1"), (9, "user1")]
    assert found[0].reason == (
        "step 1 of user 1 (interval 1, St[1] = '01102999' is outside the plausible window "
        "2000-01-01 .. 2100-01-01 UTC); no reading"
    )


def test_a_device_id_longer_than_64_characters_is_a_line_anomaly(tmp_path):
    long_id, just_fits = "L" * 65, "F" * 64
    parsed = parse_file(
        csv_file(
            tmp_path,
            f"{long_id},2026-05-04T00:00:00Z,1",
            f"{long_id},2026-05-04T00:15:00Z,x",
            f"{just_fits},2026-05-04T00:00:00Z,3",
        )
    )
    assert parsed.readings["deviceid"].tolist() == [just_fits]
    # every anomaly of such a line leaves the id out: it would not fit the anomalies' column either
    assert [(a.kind, a.line, a.deviceid) for a in parsed.anomalies] == [
        ("bad_deviceid", 2, None),
        ("bad_deviceid", 3, None),
        ("bad_number", 3, None),
    ]
    assert parsed.anomalies[0].reason == (
        "deviceid 'LLLLLLLLLLLLLLLLLLLL...' has 65 characters, more than the 64 a device id may have; reading dropped"
    )
    parsed = parse_file(
        ud_file(tmp_path, [("2026-07-01T12:00:00Z", None, [("PODID", long_id), ("energy", 1)])]), "urbandataset"
    )
    assert [(a.kind, a.deviceid) for a in parsed.anomalies] == [("bad_deviceid", None)] and parsed.readings.empty
    # in ec-csv one id stands for all of a device's readings: the IDn row is wrong, the file refused
    path = write(tmp_path, "ec.csv", f"Δt;15\nSt;20190115\nDt;1\nN;1\nIDn;{long_id}\nPfix;1\n")
    assert_located(file_error(path, "ec-csv"), path, 5, "IDn[1]", "65 characters, more than the 64")


def test_digit_separators_and_other_scripts_digits_are_not_numbers(tmp_path):
    parsed = parse_file(
        csv_file(
            tmp_path,
            "A,2026-05-04T00:00:00Z,1_000,",
            "A,2026-05-04T00:15:00Z,١٢٣,",
            "A,2026-05-04T00:30:00Z,１２,",
            "A,2026-05-04T00:45:00Z,12,2_30",
            header="deviceid,timestamp,energy,voltage",
        )
    )
    assert parsed.readings["energy"].tolist() == [12.0] and np.isnan(parsed.readings["voltage"].tolist()[0])
    assert [(a.kind, a.line) for a in parsed.anomalies] == [
        ("bad_number", 2),
        ("bad_number", 3),
        ("bad_number", 4),
        ("bad_number", 5),
    ]
    assert parsed.anomalies[0].reason == (
        "energy '1_000' is not a plain number ('_' digit separators are not accepted); reading dropped"
    )
    assert "only the ASCII digits 0-9 are accepted" in parsed.anomalies[1].reason
    assert parsed.anomalies[3].reason.startswith("voltage '2_30' is not a plain number")
    parsed = parse_file(write(tmp_path, "ec.csv", "Δt;15\nSt;20190115\nDt;2\nN;1\nPfix;1_5\n;٤\n"), "ec-csv")
    assert parsed.readings.empty and kinds(parsed.anomalies) == ["bad_number", "bad_number"]
    path = write(tmp_path, "dt.csv", "Δt;1_5\nSt;20190115\nDt;2\nN;1\nPfix;1\n;1\n")
    assert_located(file_error(path, "ec-csv"), path, 1, "Δt[1]", "'1_5' is not a whole number")
    parsed = parse_file(
        ud_file(
            tmp_path,
            [
                ("2026-07-01T12:00:00Z", None, [("PODID", "A"), ("energy", "1_000")]),
                ("2026-07-01T12:15:00Z", None, [("PODID", "A"), ("energy", 1000)]),
            ],
        ),
        "urbandataset",
    )
    assert parsed.readings["energy"].tolist() == [1000.0] and kinds(parsed.anomalies) == ["bad_number"]


def test_json_integers_beyond_floats_and_beyond_pythons_digit_limit(tmp_path):
    body = urban_dataset([("2026-07-01T12:00:00Z", None, [("PODID", "A"), ("energy", 0)])])
    text = json.dumps(body).replace('"val": 0', '"val": 1' + "0" * 400)
    parsed = parse_file(write(tmp_path, "big.json", text), "urbandataset")
    assert kinds(parsed.anomalies) == ["bad_number"] and parsed.readings.empty
    path = write(tmp_path, "huge.json", json.dumps(body).replace('"val": 0', '"val": 1' + "0" * 5000))
    err = file_error(path, "urbandataset")
    assert err.message.startswith("not readable JSON: Exceeds the limit (4300 digits)")


def test_a_line_longer_than_the_limit_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    import tracemalloc

    import oracle.ingest.source as source

    monkeypatch.setattr(source, "MAX_LINE_BYTES", 64 << 10)
    head = (HEADER + "\nA,2026-05-04T00:00:00Z,1\nA,2026-05-04T00:15:00Z,").encode()
    path = write(tmp_path, "long.csv", head + b"9" * (3 << 20) + b"\nA,2026-05-04T00:30:00Z,1\n")
    tracemalloc.start()
    try:
        err = file_error(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(err) == (
        f"{path}:3: the line is longer than 65,536 bytes (the limit of one line of meter data): "
        "not a meter-reading file, or a wrong --format"
    )
    assert peak < 1 << 20  # the 3 MB line was not read whole
    gz = write(tmp_path, "long.csv.gz", gzip.compress(open(path, "rb").read()))
    assert str(file_error(gz)).startswith(f"{gz}:3: the line is longer than 65,536 bytes")  # nor unpacked whole
    exactly = write(
        tmp_path, "exact.csv", (HEADER + "\nA,2026-05-04T00:00:00Z," + "1" * ((64 << 10) - 23) + "\n").encode()
    )
    assert len(parse_file(exactly).readings) == 1  # a line of exactly the limit is read
    monkeypatch.setattr(source, "MAX_DOCUMENT_BYTES", 1000)
    doc = ud_file(tmp_path, [("2026-07-01T12:00:00Z", None, [("PODID", "A"), ("energy", 1)])])
    err = file_error(doc, "urbandataset")
    assert err.line is None and "the document is larger than 1,000 bytes" in err.message
