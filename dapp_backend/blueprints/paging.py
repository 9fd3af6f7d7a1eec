"""The query arguments and the envelope of every paginated list (see dapp_backend/services/pagination.py)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from dapp_backend.services.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE


class PageArgs(Schema):
    """`page` (>= 1, default 1) and `per_page` (1..200, default 50); subclass it to add a list's filters."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1), metadata={"description": "the page, from 1"})
    per_page = fields.Integer(
        load_default=DEFAULT_PER_PAGE,
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": f"items per page, 1..{MAX_PER_PAGE}"},
    )


_envelopes: dict[type, type] = {}


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The envelope {items, page, per_page, total} around `item_schema`; one class per item schema, so the
    OpenAPI document names each once."""
    if item_schema not in _envelopes:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _envelopes[item_schema] = type(
            name,
            (Schema,),
            {
                "items": fields.List(fields.Nested(item_schema), required=True),
                "page": fields.Integer(required=True),
                "per_page": fields.Integer(required=True),
                "total": fields.Integer(required=True, metadata={"description": "items in the whole list"}),
            },
        )
    return _envelopes[item_schema]
