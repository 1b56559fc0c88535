"""The card page links to the session's options instead of carrying them on every card."""

import re

from quizapp.content.bank import Bank as BankFile
from quizapp.content.bank import Kind, Question, Section
from quizapp.extensions import db
from quizapp.services import banks
from tests.helpers import NOW


def _bank() -> BankFile:
    questions = (
        Question(id="a", kind=Kind.BASIC, section=Section.FAQ, prompt="A?", answer="A."),
        Question(id="b", kind=Kind.BASIC, section=Section.TYPES, prompt="B?", answer="B."),
    )
    return BankFile(id="opts", topic="Options", article="o.md", questions=questions)


def test_options_page_keeps_the_narrowing_and_the_card_page_links_to_it(
    app, client, auth, make_user
):
    with app.app_context():
        banks.load_bank(db.session, _bank(), article_text="", now=NOW)
    make_user()
    auth.login()
    card = client.get("/banks/opts/study?section=types").get_data(as_text=True)
    assert "B?" in card and "A?" not in card
    assert "Custom study" not in card
    link = re.search(r'href="(/banks/opts/options[^"]*)"', card).group(1)
    assert "section=types" in link
    options = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert '<option value="types" selected>' in options
    assert 'name="custom" value="cram"' in options and "Custom study" in options
    # An unknown section is ignored rather than trusted.
    assert "A?" in client.get("/banks/opts/study?section=nonsense").get_data(as_text=True)
