from wtforms import (
    DateTimeLocalField,
    DecimalField,
    EmailField,
    Field,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
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

from quizapp.content.bank import Kind, Section
from quizapp.forms import Form, finite

_FORMAT = "%Y-%m-%dT%H:%M"
MAX_PICKED = 2000


def at_most_lines(limit: int):  # type: ignore[no-untyped-def]
    def check(_form: Form, field: Field) -> None:
        if len([line for line in (field.data or "").splitlines() if line.strip()]) > limit:
            raise ValidationError(f"Pick at most {limit} questions; narrow by section instead.")

    return check


class ClassForm(Form):
    name = StringField("Class name", validators=[DataRequired(), Length(max=120)])


class JoinForm(Form):
    code = StringField("Join code", validators=[DataRequired(), Length(max=20)])


class InstructorForm(Form):
    email = EmailField("Co-instructor's email", validators=[DataRequired(), Length(max=254)])


class AssignmentForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    bank = SelectField("Bank", validators=[DataRequired()])
    sections = SelectMultipleField(
        "Sections (none: all)",
        choices=[SelectChoice(s.value, s.label) for s in Section],
        validators=[Optional()],
    )
    kinds = SelectMultipleField(
        "Question kinds (none: all)",
        choices=[SelectChoice(k.value, k.label) for k in Kind],
        validators=[Optional()],
    )
    tags = StringField(
        "Tags, comma-separated (none: all)", validators=[Optional(), Length(max=500)]
    )
    questions = TextAreaField(
        "Hand-picked question IDs, one per line (none: all)",
        validators=[Optional(), Length(max=200_000), at_most_lines(MAX_PICKED)],
    )
    opens_at = DateTimeLocalField("Opens (your time)", format=_FORMAT, validators=[InputRequired()])
    due_at = DateTimeLocalField("Due (your time)", format=_FORMAT, validators=[InputRequired()])
    exam_at = DateTimeLocalField(
        "Exam date (your time, optional)", format=_FORMAT, validators=[Optional()]
    )
    target_kind = RadioField(
        "Target",
        choices=[
            SelectChoice("reviews", "Every question reviewed at least N times"),
            SelectChoice(
                "retention", "A share of questions at predicted retention ≥ R by the due date"
            ),
        ],
        default="reviews",
    )
    target_reviews = IntegerField("N reviews", default=2, validators=[NumberRange(1, 100)])
    target_retention = DecimalField(
        "R retention", default=0.9, places=2, validators=[finite, NumberRange(0.5, 0.99)]
    )
    exam_questions = IntegerField(
        "Exam: questions per attempt (empty: no exam)", validators=[Optional(), NumberRange(1, 200)]
    )
    exam_minutes = IntegerField(
        "Exam: minutes", default=20, validators=[Optional(), NumberRange(1, 600)]
    )
    exam_attempts = IntegerField(
        "Exam: attempts allowed", default=1, validators=[Optional(), NumberRange(1, 20)]
    )
    target_share = DecimalField(
        "Share of questions", default=0.8, places=2, validators=[finite, NumberRange(0.1, 1)]
    )


class StatusForm(Form):
    status = SelectField(
        "Status", choices=[SelectChoice(s, s.capitalize()) for s in ("draft", "open", "closed")]
    )


class ProjectionForm(Form):
    class Meta:
        csrf = False

    at = DateTimeLocalField(
        "Project retention to (your time)", format=_FORMAT, validators=[Optional()]
    )


class EditQuestionForm(Form):
    prompt = TextAreaField("Prompt", validators=[DataRequired(), Length(max=5000)])
    answer = TextAreaField("Answer", validators=[Optional(), Length(max=5000)])
    explanation = TextAreaField("Explanation", validators=[Optional(), Length(max=10000)])
