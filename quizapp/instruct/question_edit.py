"""The question-edit form both edit pages share: from item analysis and from review."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import request
from flask_login import current_user

from quizapp.extensions import db
from quizapp.instruct.forms import EditQuestionForm
from quizapp.models import Question
from quizapp.services import banks


def edit_form(question: Question) -> EditQuestionForm:
    """The form, filled with the question's text when first shown."""
    content = question.content
    shown = {
        "prompt": content["prompt"],
        "answer": content.get("answer", ""),
        "explanation": content.get("explanation", ""),
    }
    return EditQuestionForm(data=shown if request.method == "GET" else None)


def save_edit(form: EditQuestionForm, question: Question) -> bool:
    """Save a submitted edit; False (with the form's errors) when not submitted or refused."""
    if not form.validate_on_submit():
        return False
    try:
        banks.edit_question(
            db.session,
            question,
            by=current_user,
            prompt=form.prompt.data,
            answer=form.answer.data if "answer" in question.content else None,
            explanation=form.explanation.data or "",
            now=datetime.now(UTC),
        )
    except banks.BankError as error:
        form.prompt.errors.append(str(error))
        return False
    return True
