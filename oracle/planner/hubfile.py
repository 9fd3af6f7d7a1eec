"""The hub file: what a site needs (demands per use and carrier) and what it could build (candidate
technologies), read from YAML and checked field by field. A mistake is an OracleError naming the file and
the field, e.g. `port.yaml: technologies.chp.outputs.heat: must be more than 0, got -0.4`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from oracle.errors import OracleError

DEMAND_CARRIERS = ("electricity", "heat", "cooling")
CARRIERS = DEMAND_CARRIERS + ("gas",)
KINDS = ("conversion", "pv", "storage")


class HubError(OracleError):
    """A hub file field that is missing or wrong."""


@dataclass(frozen=True)
class Site:
    latitude: float
    longitude: float
    altitude: float
    timezone: str


@dataclass(frozen=True)
class Demand:
    use: str
    carrier: str
    annual_kwh: float | None  # with a normalised `profile`
    profile: object  # a series spec (see profiles.py), or "community" for measured load
    field: str  # where it is in the file, for messages about it


@dataclass(frozen=True)
class Technology:
    name: str
    kind: str
    cap_min: float  # kW (kWh for storage); a built unit is at least this big
    cap_max: float
    existing: bool  # capacity fixed at cap_max, no investment
    invest_per_kw: float  # EUR per kW (per kWh for storage)
    lifetime: float  # years
    fixed_om: float  # EUR per kW and year
    variable_om: float  # EUR per kWh of rated output
    min_load: float  # fraction of capacity when on; > 0 makes on/off binary per hour
    input: str | None = None
    outputs: dict = field(default_factory=dict)  # carrier -> kWh out per kWh in; the first is the rated one
    pv: dict = field(default_factory=dict)  # tilt, azimuth, losses, clearness
    storage: dict = field(default_factory=dict)  # carrier, c_rate, charge/discharge efficiency, loss per hour

    @property
    def rated(self) -> str:
        if self.kind == "conversion":
            return next(iter(self.outputs))
        return self.storage["carrier"] if self.kind == "storage" else "electricity"


@dataclass(frozen=True)
class Hub:
    name: str
    path: Path
    site: Site
    year: int
    discount_rate: float
    grid_import_price: object  # series spec, EUR/kWh
    grid_export_price: object
    grid_import_limit: float | None  # kW
    grid_export_limit: float | None
    grid_emission: float  # kg CO2 per kWh imported
    gas_price: float  # EUR/kWh of fuel
    gas_emission: float  # kg CO2 per kWh of fuel
    profiles: dict  # name -> series spec
    demands: list
    technologies: list


def read_hub(path: Path, year: int | None = None) -> Hub:
    import yaml

    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise HubError(f"{path}: no such hub file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise HubError(f"{path}{where}: not YAML ({getattr(exc, 'problem', exc)})") from None
    return parse_hub(doc, path, year)


def parse_hub(doc, path: Path, year: int | None = None) -> Hub:
    f = Fields(path)
    doc = f.mapping(doc, "the file")
    grid, gas = f.mapping(f.need(doc, "grid"), "grid"), f.mapping(f.need(doc, "gas"), "gas")
    profiles = f.mapping(doc.get("profiles", {}), "profiles")
    hub = Hub(
        name=str(doc.get("name", path.stem)),
        path=path,
        site=_site(f, doc),
        year=year or int(f.number(doc, "year", "year", default=2026)),
        discount_rate=f.number(doc, "discount_rate", "discount_rate", low=0, high=1),
        grid_import_price=f.need(grid, "import_price", "grid"),
        grid_export_price=grid.get("export_price", 0.0),
        grid_import_limit=f.number(grid, "import_limit_kw", "grid.import_limit_kw", default=None, low=0),
        grid_export_limit=f.number(grid, "export_limit_kw", "grid.export_limit_kw", default=None, low=0),
        grid_emission=f.number(grid, "emission_factor", "grid.emission_factor", low=0),
        gas_price=f.number(gas, "price", "gas.price", low=0),
        gas_emission=f.number(gas, "emission_factor", "gas.emission_factor", low=0),
        profiles=dict(profiles),
        demands=_demands(f, doc, profiles),
        technologies=_technologies(f, doc),
    )
    return hub


def _site(f: Fields, doc) -> Site:
    site = f.mapping(f.need(doc, "site"), "site")
    return Site(
        latitude=f.number(site, "latitude", "site.latitude", low=-90, high=90),
        longitude=f.number(site, "longitude", "site.longitude", low=-180, high=180),
        altitude=f.number(site, "altitude", "site.altitude", default=0.0),
        timezone=str(site.get("timezone", "UTC")),
    )


def _demands(f: Fields, doc, profiles) -> list:
    items = f.need(doc, "demands")
    if not isinstance(items, list) or not items:
        f.fail("demands", "must be a list of demands, at least one")
    demands = []
    for i, item in enumerate(items):
        where = f"demands[{i}]"
        item = f.mapping(item, where)
        carrier = f.carrier(item, "carrier", where, DEMAND_CARRIERS)
        use = str(f.need(item, "use", where))
        if item.get("source") == "community":
            demands.append(Demand(use, carrier, None, "community", where))
            continue
        if "profile_kw" in item:
            demands.append(Demand(use, carrier, None, item["profile_kw"], f"{where}.profile_kw"))
            continue
        name = f.need(item, "profile", where)
        if name not in profiles:
            f.fail(f"{where}.profile", f"no profile named {name!r} under `profiles`")
        annual = f.number(item, "annual_mwh", f"{where}.annual_mwh", low=0) * 1000
        demands.append(Demand(use, carrier, annual, profiles[name], f"profiles.{name}"))
    return demands


def _technologies(f: Fields, doc) -> list:
    techs = f.mapping(f.need(doc, "technologies"), "technologies")
    return [
        _technology(f, name, f.mapping(spec, f"technologies.{name}"), f"technologies.{name}")
        for name, spec in techs.items()
    ]


def _technology(f: Fields, name: str, spec: dict, where: str) -> Technology:
    kind = spec.get("kind")
    if kind not in KINDS:
        f.fail(f"{where}.kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    existing = "existing_kw" in spec or "existing_kwh" in spec
    if existing:
        key = "existing_kwh" if kind == "storage" else "existing_kw"
        cap_min = cap_max = f.number(spec, key, f"{where}.{key}", low=0)
    else:
        key = "capacity_kwh" if kind == "storage" else "capacity_kw"
        bounds = f.mapping(f.need(spec, key, where), f"{where}.{key}")
        cap_min = f.number(bounds, "min", f"{where}.{key}.min", default=0.0, low=0)
        cap_max = f.number(bounds, "max", f"{where}.{key}.max", low=cap_min)
    common = dict(
        name=name,
        kind=kind,
        cap_min=cap_min,
        cap_max=cap_max,
        existing=existing,
        invest_per_kw=0.0 if existing else f.number(spec, "invest_eur_per_kw", f"{where}.invest_eur_per_kw", low=0),
        lifetime=f.number(spec, "lifetime_years", f"{where}.lifetime_years", default=20.0, low=1),
        fixed_om=f.number(spec, "fixed_om_eur_per_kw_year", f"{where}.fixed_om_eur_per_kw_year", default=0.0, low=0),
        variable_om=f.number(spec, "variable_om_eur_per_kwh", f"{where}.variable_om_eur_per_kwh", default=0.0, low=0),
        min_load=f.number(spec, "min_load", f"{where}.min_load", default=0.0, low=0, high=1),
    )
    if kind == "conversion":
        return Technology(**common, input=f.carrier(spec, "input", where, CARRIERS), outputs=_outputs(f, spec, where))
    if kind == "pv":
        return Technology(**common, pv=_pv(f, spec, where))
    return Technology(**common, storage=_storage(f, spec, where))


def _outputs(f: Fields, spec: dict, where: str) -> dict:
    outputs = f.mapping(f.need(spec, "outputs", where), f"{where}.outputs")
    if not outputs:
        f.fail(f"{where}.outputs", "needs at least one output carrier")
    for carrier in outputs:
        if carrier not in CARRIERS:
            f.fail(f"{where}.outputs.{carrier}", f"unknown carrier {carrier!r} (known: {', '.join(CARRIERS)})")
    return {c: f.number(outputs, c, f"{where}.outputs.{c}", positive=True) for c in outputs}


def _pv(f: Fields, spec: dict, where: str) -> dict:
    return dict(
        tilt=f.number(spec, "tilt", f"{where}.tilt", default=30.0, low=0, high=90),
        azimuth=f.number(spec, "azimuth", f"{where}.azimuth", default=180.0, low=0, high=360),
        losses=f.number(spec, "losses", f"{where}.losses", default=0.14, low=0, high=1),
        clearness=f.number(spec, "clearness", f"{where}.clearness", default=0.75, positive=True, high=1),
    )


def _storage(f: Fields, spec: dict, where: str) -> dict:
    return dict(
        carrier=f.carrier(spec, "carrier", where, DEMAND_CARRIERS),
        c_rate=f.number(spec, "c_rate", f"{where}.c_rate", default=0.5, positive=True),
        charge_eff=f.number(
            spec, "charge_efficiency", f"{where}.charge_efficiency", default=0.95, positive=True, high=1
        ),
        discharge_eff=f.number(
            spec, "discharge_efficiency", f"{where}.discharge_efficiency", default=0.95, positive=True, high=1
        ),
        loss=f.number(spec, "loss_per_hour", f"{where}.loss_per_hour", default=0.0, low=0, high=1),
    )


class Fields:
    """Reads fields of one file and refuses a wrong one with the file and the field's path."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, message: str):
        raise HubError(f"{self.path}: {where}: {message}")

    def need(self, mapping: dict, key: str, where: str | None = None):
        if key not in mapping or mapping[key] is None:
            self.fail(f"{where}.{key}" if where else key, "missing")
        return mapping[key]

    def mapping(self, value, where: str) -> dict:
        if not isinstance(value, dict):
            self.fail(where, f"must be a mapping of names to values, got {type(value).__name__}")
        return value

    def carrier(self, mapping: dict, key: str, where: str, allowed: tuple) -> str:
        value = self.need(mapping, key, where)
        if value not in allowed:
            self.fail(f"{where}.{key}", f"unknown carrier {value!r} (known: {', '.join(allowed)})")
        return value

    def number(self, mapping: dict, key: str, where: str, default=..., low=None, high=None, positive=False):
        if key not in mapping:
            if default is ...:
                self.fail(where, "missing")
            return default
        value = mapping[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            self.fail(where, f"must be a number, got {value!r}")
        if positive and value <= 0:
            self.fail(where, f"must be more than 0, got {value}")
        if low is not None and value < low:
            self.fail(where, f"must be at least {low:g}, got {value}")
        if high is not None and value > high:
            self.fail(where, f"must be at most {high:g}, got {value}")
        return float(value)
