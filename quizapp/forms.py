"""What every form and request value must be before it reaches a service or the database."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms import Field
from wtforms.validators import StopValidation

# Database ids are 32-bit on PostgreSQL: a larger number names nothing.
MAX_ID = 2**31 - 1
# Text the database cannot store (NUL) or that no person types (other C0 controls).
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def database_id(value: str) -> int:
    """A request value as a row id; anything else raises ValueError (so `args.get(type=…)`
    gives its default)."""
    if not value.isdigit() or len(value) > 10 or int(value) > MAX_ID:
        raise ValueError("not an id")
    return int(value)


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: ids beyond 32 bits match no route, so they are a 404."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class Form(FlaskForm):
    """A FlaskForm whose text fields refuse characters that cannot be stored."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and _UNSTORABLE.search(field.data):
                field.errors = [*field.errors, "Remove the control characters from this field."]
                valid = False
        return valid


def finite(_form: Any, field: Field) -> None:
    """Stop at NaN and infinities, which no range check can compare."""
    value = field.data
    if isinstance(value, Decimal) and not value.is_finite():
        raise StopValidation("Enter a number.")
    if isinstance(value, float) and not math.isfinite(value):
        raise StopValidation("Enter a number.")


def unstorable(text: str) -> bool:
    """Whether text holds characters the database cannot store or nobody types."""
    return bool(_UNSTORABLE.search(text))
