"""Reading what a page shows, for tests that use the test client."""

from __future__ import annotations

import re
from html import unescape


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def hidden_inputs(html: str, form_id: str) -> dict[str, str]:
    """The hidden inputs of the form with this id."""
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert form, f"no form #{form_id} on the page"
    fields = re.findall(r'<input[^>]*type="hidden"[^>]*>', form.group(0))
    values = {}
    for field in fields:
        name = re.search(r'name="([^"]+)"', field)
        value = re.search(r'value="([^"]*)"', field)
        if name:
            values[name.group(1)] = unescape(value.group(1)) if value else ""
    return values


def text(html: str) -> str:
    """Visible text, roughly: tags removed and entities decoded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def form_action(html: str, form_id: str) -> str:
    """Where the form with this id posts to."""
    form = re.search(rf'<form[^>]*action="([^"]*)"[^>]*id="{form_id}"', html)
    assert form, f"no form #{form_id} with an action on the page"
    return unescape(form.group(1))
