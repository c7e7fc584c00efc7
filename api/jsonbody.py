"""JSON bodies of hot list routes, written by orjson in one C call.

The text is what pydantic writes for the same response model (a test compares the two):
UUIDs and dates in their canonical form, a UTC datetime ending in `Z`, a Decimal as a
string with its scale ("111000.00")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from fastapi import Response


def _default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_response(body: Any) -> Response:
    return Response(orjson.dumps(body, default=_default, option=orjson.OPT_UTC_Z), media_type="application/json")
