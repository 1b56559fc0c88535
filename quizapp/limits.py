"""Request size limits: a small one for every request, a larger one for upload views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Request, current_app

View = TypeVar("View", bound=Callable[..., Any])


def accepts_upload(view: View) -> View:
    """Mark a view that takes files: its requests may be up to QUIZAPP_MAX_UPLOAD_BYTES."""
    view.accepts_upload = True  # type: ignore[attr-defined]
    return view


class LimitedRequest(Request):
    """Bounds what a request body may hold before anything (CSRF included) reads it."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None:
            return self._max_content_length
        if not current_app:
            return super().max_content_length
        view = current_app.view_functions.get(self.endpoint or "")
        if getattr(view, "accepts_upload", False):
            return current_app.config["MAX_UPLOAD_BYTES"]  # type: ignore[no-any-return]
        return current_app.config["MAX_CONTENT_LENGTH"]  # type: ignore[no-any-return]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value
