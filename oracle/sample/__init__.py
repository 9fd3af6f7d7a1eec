"""The bundled sample community: 21 members in Genova, two months of quarter-hourly readings.

The data files live in ``data/`` beside this module (``members.csv``, ``readings.csv.gz``) and are
produced by :mod:`oracle.sample.generate` (``python -m oracle.sample.generate``); see README.md here
for every modelling assumption. Importing this package is cheap: it only defines paths, the field
libraries (pvlib, demandlib) are imported by the generator alone.
"""

from pathlib import Path

SAMPLE_DIR: Path = Path(__file__).resolve().parent / "data"
MEMBERS_CSV: Path = SAMPLE_DIR / "members.csv"
READINGS_CSV: Path = SAMPLE_DIR / "readings.csv.gz"

__all__ = ["MEMBERS_CSV", "READINGS_CSV", "SAMPLE_DIR"]
