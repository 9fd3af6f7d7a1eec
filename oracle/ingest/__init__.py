"""Meter-reading ingestion, file side: parse csv / ec-csv (seed 003) / UrbanDataset files into raw
readings and anomalies, then clean them (pre-processing of 001 §5.2.3.2). Pure Python/pandas, no
database: the loader bulk-loads ``clean_readings``' output. Formats are described in FORMATS.md."""

from .cleaning import clean_readings
from .core import FORMATS, READING_COLUMNS, Anomaly, IngestFileError, ParsedFile
from .parsing import parse_file

__all__ = ["FORMATS", "READING_COLUMNS", "Anomaly", "IngestFileError", "ParsedFile", "clean_readings", "parse_file"]
