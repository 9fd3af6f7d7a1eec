"""Photovoltaic yield per kW peak at the site, from pvlib, with no weather file (nothing is fetched at run time).

Clear-sky irradiance (Ineichen with pvlib's bundled Linke turbidity climatology) transposed onto the module
plane (isotropic sky), times a `clearness` factor for clouds (0.75 by default: clear-sky over a year
overestimates a measured year by about a quarter at Mediterranean sites), through PVWatts' DC model at 25 °C
and the system `losses`. Each hour takes the sun at its middle.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oracle.planner.hubfile import Site


def yield_per_kwp(
    site: Site, times: pd.DatetimeIndex, tilt: float, azimuth: float, losses: float, clearness: float
) -> np.ndarray:
    """kWh per kWp in each hour starting at `times`."""
    import pvlib

    location = pvlib.location.Location(site.latitude, site.longitude, tz=site.timezone, altitude=site.altitude)
    middle = times + pd.Timedelta(minutes=30)
    sky = location.get_clearsky(middle, model="ineichen")
    sun = location.get_solarposition(middle)
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, azimuth, sun["apparent_zenith"], sun["azimuth"], sky["dni"], sky["ghi"], sky["dhi"], model="isotropic"
    )
    dc = pvlib.pvsystem.pvwatts_dc(
        poa["poa_global"].fillna(0.0) * clearness, temp_cell=25.0, pdc0=1.0, gamma_pdc=-0.004
    )
    return np.clip(np.asarray(dc, dtype=float) * (1.0 - losses), 0.0, None)
