"""PELL-IP public lighting: /api/lighting/... (anyone; a signed-in session also sees the reserved datasets it
is a viewer of) and /api/open-data/lighting/... (the open datasets only, never a session's).

Nothing here needs signing in: an open municipality's plants, certified consumption and certification
transactions are everyone's. A reserved one's are seen only by its municipality's accounts and its region's
administrators (pell_viewers); for anyone else it is 404, as an unknown ISTAT code is, and it is left out of
lists, sums and the CSV (dapp_backend/services/lighting_access.py).
"""

from __future__ import annotations

from flask import Response
from marshmallow import Schema, fields, validate

from dapp_backend.auth import current_address
from dapp_backend.blueprints import ApiBlueprint
from dapp_backend.blueprints.paging import PageArgs, page_schema
from dapp_backend.context import lec
from dapp_backend.services import lighting as service
from dapp_backend.services import lighting_certifications as certifications
from dapp_backend.services.errors import NotFound
from dapp_backend.services.lighting_access import ANONYMOUS, LightingReader, lighting_reader

blp = ApiBlueprint(
    "lighting",
    __name__,
    url_prefix="/api",
    description="PELL-IP public lighting: municipalities, plants, certified consumption and "
    "certifications (open datasets to everyone, reserved ones to their viewers)",
)

KWH = {"description": "kWh with 3 decimals, as a decimal string"}
KW = {"description": "kW with 3 decimals, as a decimal string"}
TIME = {"description": "ISO 8601, UTC"}
MONTH = {"description": "YYYY-MM"}
NOT_VISIBLE = {"description": "no municipality with this ISTAT code, or a reserved one you may not see"}


def reader() -> LightingReader:
    """The session's viewer rights (none when not signed in)."""
    return lighting_reader(lec(), current_address())


# ------------------------------------------------------------------ schemas


class MunicipalitySchema(Schema):
    code = fields.String(required=True, metadata={"description": "ISTAT code, 6 digits"})
    name = fields.String(required=True)
    province = fields.String(required=True, metadata={"description": "two-letter code, e.g. GE"})
    region = fields.String(required=True)
    reserved = fields.Boolean(required=True, metadata={"description": "seen only by its viewers"})
    plants = fields.Integer(required=True)
    lamps = fields.Integer(required=True)
    installedKw = fields.String(required=True, metadata=KW)
    ledSharePercent = fields.String(
        required=True, allow_none=True, metadata={"description": "LED lamps among all lamps, %, 1 decimal; null: none"}
    )


class LampSchema(Schema):
    technology = fields.String(required=True, metadata={"description": "LED, HPS, MH, MV, LPS, fluorescent, other"})
    unitPowerW = fields.String(required=True, metadata={"description": "W with 2 decimals"})
    count = fields.Integer(required=True)
    installedKw = fields.String(required=True, metadata=KW)


class CertificationRefSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "the contract's certification id"})
    txHash = fields.String(required=True)
    blockNumber = fields.Integer(required=True)
    certifiedAt = fields.String(required=True, metadata={"description": "the block's time, ISO 8601 UTC"})
    datasetHash = fields.String(required=True)


class CheckSchema(Schema):
    state = fields.String(
        required=True,
        validate=validate.OneOf(["certified", "changed", "never certified"]),
        metadata={"description": "the plant's record in the database against the chain, now"},
    )
    detail = fields.String(required=True, allow_none=True)


class PlantSchema(Schema):
    code = fields.String(required=True)
    pod = fields.String(required=True)
    latitude = fields.Float(required=True, metadata={"description": "WGS84"})
    longitude = fields.Float(required=True, metadata={"description": "WGS84"})
    electricalPanel = fields.String(required=True, allow_none=True)
    controlSystem = fields.String(required=True, allow_none=True, metadata={"description": "null: none"})
    updatedAt = fields.String(required=True, metadata=TIME)
    lamps = fields.List(fields.Nested(LampSchema), required=True)
    lampCount = fields.Integer(required=True)
    installedKw = fields.String(required=True, metadata=KW)
    ledSharePercent = fields.String(required=True, allow_none=True)
    certification = fields.Nested(
        CertificationRefSchema,
        required=True,
        allow_none=True,
        metadata={"description": "the latest certification of its static record"},
    )
    check = fields.Nested(CheckSchema, metadata={"description": "the live check (not in the open-data answer)"})


class CertifiedMonthSchema(Schema):
    month = fields.String(required=True, metadata=MONTH)
    consumptionKwh = fields.String(required=True, metadata=KWH)
    measurements = fields.Integer(required=True, allow_none=True)
    certificationId = fields.Integer(required=True)
    txHash = fields.String(required=True)
    certifiedAt = fields.String(required=True, metadata=TIME)


class MunicipalityTrendSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    region = fields.String(required=True)
    months = fields.List(fields.Nested(CertifiedMonthSchema), required=True)


class TownSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class RegionMonthSchema(Schema):
    month = fields.String(required=True, metadata=MONTH)
    consumptionKwh = fields.String(required=True, metadata={"description": "the sum of the certified figures"})
    certified = fields.List(fields.String(), required=True, metadata={"description": "ISTAT codes summed"})
    missing = fields.List(fields.String(), required=True, metadata={"description": "no certified figure"})


class RegionTrendSchema(Schema):
    region = fields.String(required=True)
    municipalities = fields.List(
        fields.Nested(TownSchema), required=True, metadata={"description": "the region's municipalities you may see"}
    )
    months = fields.List(fields.Nested(RegionMonthSchema), required=True)


class CertificationSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "the contract's certification id"})
    kind = fields.String(required=True, metadata={"description": "static | monthly"})
    municipality = fields.String(required=True, metadata={"description": "ISTAT code"})
    municipalityName = fields.String(required=True)
    region = fields.String(required=True)
    plant = fields.String(required=True, allow_none=True, metadata={"description": "static: the plant's code"})
    month = fields.String(required=True, allow_none=True, metadata={"description": "monthly: YYYY-MM"})
    consumptionKwh = fields.String(required=True, allow_none=True, metadata=KWH)
    measurements = fields.Integer(required=True, allow_none=True)
    datasetHash = fields.String(required=True)
    schemaVersion = fields.Integer(required=True, allow_none=True)
    previousId = fields.Integer(
        required=True, allow_none=True, metadata={"description": "the certification it supersedes"}
    )
    submitter = fields.String(required=True)
    txHash = fields.String(required=True)
    blockNumber = fields.Integer(required=True)
    certifiedAt = fields.String(required=True, metadata={"description": "the block's time, ISO 8601 UTC"})


class MonthCountSchema(Schema):
    month = fields.String(required=True, metadata={"description": "YYYY-MM of the certifications' block time"})
    static = fields.Integer(required=True)
    monthly = fields.Integer(required=True)


class TownTotalSchema(Schema):
    municipality = fields.String(required=True)
    name = fields.String(required=True)
    certifications = fields.Integer(required=True)
    consumptionKwh = fields.String(
        required=True,
        metadata={"description": "the latest certified figure of each month among the matching certifications, summed"},
    )


class SummarySchema(Schema):
    perMonth = fields.List(fields.Nested(MonthCountSchema), required=True)
    perMunicipality = fields.List(fields.Nested(TownTotalSchema), required=True)


class OpenMunicipalitySchema(MunicipalitySchema):
    plantsPage = fields.Nested(
        page_schema(PlantSchema),
        required=True,
        metadata={"description": "one page of its plants (page, per_page), no live check"},
    )
    monthlyConsumption = fields.List(
        fields.Nested(CertifiedMonthSchema),
        required=True,
        metadata={"description": "the certified monthly consumption, oldest first"},
    )


ISTAT = validate.Regexp(r"^[0-9]{6}$", error="not an ISTAT code (6 digits)")


class CertificationFilters(Schema):
    municipality = fields.String(validate=ISTAT, metadata={"description": "ISTAT code"})
    kind = fields.String(validate=validate.OneOf(certifications.KINDS), metadata={"description": "static | monthly"})
    start = fields.Date(data_key="from", metadata={"description": "YYYY-MM-DD, certified on or after (UTC)"})
    end = fields.Date(data_key="to", metadata={"description": "YYYY-MM-DD, certified on or before (UTC)"})


class CertificationPageArgs(PageArgs, CertificationFilters):
    pass


CSV_DOC = {
    "responses": {
        "200": {
            "description": "text/csv; UTF-8, a header row, RFC 4180 quoting",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


# ------------------------------------------------------------------ /api/lighting (the session's rights)


@blp.route("/lighting/municipalities", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(MunicipalitySchema))
@blp.alt_response(400, description="a bad page or per_page")
def municipalities(query):
    """The municipalities you may see (open ones; reserved ones you are a viewer of), by region and name."""
    return service.list_municipalities(lec(), reader(), query)


@blp.route("/lighting/municipalities/<code>", methods=["GET"])
@blp.response(200, MunicipalitySchema)
@blp.alt_response(404, **NOT_VISIBLE)
def municipality(code):
    """One municipality: plants, lamps, installed power and share of LED lamps."""
    return service.municipality_detail(lec(), reader(), code)


@blp.route("/lighting/municipalities/<code>/plants", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(PlantSchema))
@blp.alt_response(400, description="a bad page or per_page")
@blp.alt_response(404, **NOT_VISIBLE)
def plants(query, code):
    """The municipality's plants by code: POD, location, panel, control, lamps, the certification of each
    plant's static record and a live check of that record against the chain."""
    return service.list_plants(lec(), reader(), code, query)


@blp.route("/lighting/municipalities/<code>/trend", methods=["GET"])
@blp.response(200, MunicipalityTrendSchema)
@blp.alt_response(404, **NOT_VISIBLE)
def municipality_trend(code):
    """The municipality's certified consumption per month (certified figures only), oldest first."""
    return service.municipality_trend(lec(), reader(), code)


@blp.route("/lighting/regions/<region>/trend", methods=["GET"])
@blp.response(200, RegionTrendSchema)
@blp.alt_response(404, description="no region of this name with a municipality you may see")
def region_trend(region):
    """Per month, the sum of the certified consumption of the region's municipalities you may see, and which
    of them have no certified figure that month."""
    if "\x00" in region or len(region) > 100:
        raise NotFound(f"there is no region {region!r} with municipalities you may see", "region")
    return service.region_trend(lec(), reader(), region)


@blp.route("/lighting/certifications", methods=["GET"])
@blp.arguments(CertificationPageArgs, location="query")
@blp.response(200, page_schema(CertificationSchema))
@blp.alt_response(400, description="a bad filter, page or per_page")
def certification_list(query):
    """Every certification transaction you may see, newest first, filtered by municipality, kind and date."""
    return certifications.list_certifications(lec(), reader(), query)


@blp.route("/lighting/certifications/summary", methods=["GET"])
@blp.arguments(CertificationFilters, location="query")
@blp.response(200, SummarySchema)
@blp.alt_response(400, description="a bad filter")
def certification_summary(query):
    """Certifications per month by kind, and per municipality their count and the consumption certified."""
    return certifications.certification_summary(lec(), reader(), query)


@blp.route("/lighting/certifications.csv", methods=["GET"])
@blp.arguments(CertificationFilters, location="query")
@blp.alt_response(400, description="a bad filter")
@blp.doc(**CSV_DOC)
def certification_csv(query):
    """The filtered certifications as a CSV file (oldest first)."""
    return _csv(certifications.certifications_csv(lec(), reader(), query))


def _csv(text: str) -> Response:
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="lighting-certifications.csv"'
    return response


# ------------------------------------------------------------------ /api/open-data/lighting (open datasets only)


@blp.route("/open-data/lighting/municipalities", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(MunicipalitySchema))
@blp.alt_response(400, description="a bad page or per_page")
def open_municipalities(query):
    """Open data: the municipalities whose datasets are open."""
    return service.list_municipalities(lec(), ANONYMOUS, query)


@blp.route("/open-data/lighting/municipalities/<code>", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, OpenMunicipalitySchema)
@blp.alt_response(400, description="a bad page or per_page")
@blp.alt_response(404, description="no open municipality with this ISTAT code")
def open_municipality(query, code):
    """Open data: one open municipality's dataset: one page of its plants (page, per_page) with lamps and the
    certification of each, and its certified monthly consumption."""
    return service.open_dataset(lec(), code, query)


@blp.route("/open-data/lighting/certifications", methods=["GET"])
@blp.arguments(CertificationPageArgs, location="query")
@blp.response(200, page_schema(CertificationSchema))
@blp.alt_response(400, description="a bad filter, page or per_page")
def open_certifications(query):
    """Open data: the certification transactions of the open municipalities, newest first."""
    return certifications.list_certifications(lec(), ANONYMOUS, query)
