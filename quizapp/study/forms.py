from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from quizapp.forms import Form, database_id, finite, unstorable
from quizapp.scheduling import MAX_RETENTION, MIN_RETENTION, Grade
from quizapp.scheduling.days import zone_names
from quizapp.services.learners import LEECH_ACTIONS
from quizapp.services.study import FLAG_REASONS

MAX_TOKEN = 64
MAX_RESPONSE = 10_000


@dataclass(frozen=True)
class Answer:
    """A grade as the answer side's form sends it: its hidden fields and the button pressed.

    Read on every answer, so by hand rather than with WTForms; CSRFProtect has checked the
    form's token before any view runs.
    """

    question_id: int
    version: int
    token: str
    rating: Grade
    response: str | None
    shown_at: str  # when the card was shown, in ms since the epoch, as the page sent it

    @classmethod
    def read(cls, form: Mapping[str, str]) -> Answer | None:
        """The answer a posted form holds, or None if any of it is missing or malformed."""
        try:
            question_id = database_id(form.get("question_id", ""))
            version = database_id(form.get("version", ""))
            rating = Grade(int(form.get("rating", "")))
        except ValueError:
            return None
        token, response = form.get("token", ""), form.get("response", "")
        if not 0 < len(token) <= MAX_TOKEN or len(response) > MAX_RESPONSE:
            return None
        if unstorable(token) or unstorable(response):
            return None
        return cls(question_id, version, token, rating, response or None, form.get("shown_at", ""))

    @staticmethod
    def fields(
        *, question_id: int, version: int, token: str, shown_at: str, response: str | None
    ) -> dict[str, str]:
        """The hidden fields the answer side's form carries, for `read` to read back."""
        return {
            "question_id": str(question_id),
            "version": str(version),
            "token": token,
            "shown_at": shown_at,
            "response": response or "",
        }


class FlagForm(Form):
    reason = SelectField(
        "What is wrong?", choices=[SelectChoice(key, label) for key, label in FLAG_REASONS.items()]
    )
    comment = TextAreaField("Comment (optional)", validators=[Length(max=2000)])


def two_decimals(form: Form, field: DecimalField) -> None:
    """Refuse a retention like 0.855 rather than store one value and show another."""
    if field.data is not None and field.data != round(field.data, 2):
        raise ValidationError("Use at most two decimal places, for example 0.85 or 0.86.")


_RETENTION_CHECKS = [
    InputRequired(),
    finite,
    NumberRange(MIN_RETENTION, MAX_RETENTION),
    two_decimals,
]


class SettingsForm(Form):
    desired_retention = DecimalField(
        "Desired retention",
        places=2,
        validators=_RETENTION_CHECKS,
        description="The share of reviews you want to pass: higher means more reviews.",
    )
    new_per_day = IntegerField(
        "New cards a day", validators=[InputRequired(), NumberRange(0, 9999)]
    )
    reviews_per_day = IntegerField(
        "Reviews a day", validators=[InputRequired(), NumberRange(0, 99999)]
    )
    learning_steps = StringField(
        "Learning steps",
        validators=[Length(max=200)],
        description="As in Anki: 1m 10m (s, m, h, d).",
    )
    relearning_steps = StringField("Relearning steps", validators=[Length(max=200)])
    maximum_interval = IntegerField(
        "Maximum interval (days)", validators=[InputRequired(), NumberRange(1, 36500)]
    )
    timezone = SelectField(
        "Time zone",
        choices=[SelectChoice(name, name.replace("_", " ")) for name in zone_names()],
        description="Due dates, daily limits and statistics follow your own day.",
    )
    day_starts_at = SelectField(
        "Next day starts at",
        coerce=int,
        choices=[SelectChoice(hour, f"{hour:02d}:00") for hour in range(24)],
        description="Answers before this hour count for the day before, as in Anki (04:00).",
    )
    leech_action = SelectField(
        "When a card becomes a leech (8 lapses, then every 4 more)",
        choices=[SelectChoice(key, label) for key, label in LEECH_ACTIONS.items()],
    )


class PresetForm(Form):
    """One preset (Anki's deck options); no preset_id creates a new one."""

    preset_id = HiddenField(validators=[Optional()])
    name = StringField("Name", validators=[InputRequired(), Length(max=60)])
    desired_retention = DecimalField(
        "Desired retention",
        places=2,
        validators=_RETENTION_CHECKS,
        default=Decimal("0.90"),
    )
    new_per_day = IntegerField(
        "New cards a day", validators=[InputRequired(), NumberRange(0, 9999)], default=20
    )
    reviews_per_day = IntegerField(
        "Reviews a day", validators=[InputRequired(), NumberRange(0, 99999)], default=200
    )
    learning_steps = StringField("Learning steps", validators=[Length(max=200)], default="1m 10m")
    relearning_steps = StringField("Relearning steps", validators=[Length(max=200)], default="10m")
    maximum_interval = IntegerField(
        "Maximum interval (days)",
        validators=[InputRequired(), NumberRange(1, 36500)],
        default=36500,
    )


class AnkiReviewsForm(Form):
    package = FileField(
        "Anki export (.colpkg, or .apkg with scheduling information)",
        validators=[FileRequired("Choose the file you exported from Anki.")],
        render_kw={"accept": ".colpkg,.apkg"},
    )


class ExamForm(Form):
    """The exam's answers are read per question; the form itself carries the CSRF token."""


class ForgetForm(Form):
    confirm = BooleanField(
        "Yes, start this question again as new (my past answers stay in its history)",
        validators=[DataRequired()],
    )
