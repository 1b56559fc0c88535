"""Forms of the authoring pages: uploads, review decisions and question edits."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from quizapp.content.topic import TopicKind
from quizapp.forms import Form

_ACCEPT = ".txt,.yaml,.yml,.json,.gift,.xml,.csv"


class UploadForm(Form):
    file = FileField(
        "Article (.txt, in the article template), bank file (.yaml or .json), "
        "or questions in GIFT (.gift), Moodle XML (.xml) or CSV (.csv)",
        validators=[FileRequired("Choose an article, a bank file or a question file.")],
        render_kw={"accept": _ACCEPT},
    )
    topic_kind = SelectField(
        "What the article is about",
        choices=[SelectChoice("", "Detect it from the article")]
        + [SelectChoice(kind.value, kind.value.capitalize()) for kind in TopicKind],
        default="",
        description="Only for articles, as quizapp bank build --topic-kind.",
    )


class ReviewForm(Form):
    """Bulk and per-question review decisions; the question ids are read from the request."""
