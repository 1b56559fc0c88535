"""The instructor's downloads of an assignment's questions and its bank in other formats."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import xmlschema
import yaml

from quizapp import interchange
from quizapp.content.bankfile import check_bank_file, load_bank
from quizapp.models import Role
from tests.helpers import TEST_BANK, Auth
from tests.pages import csrf_token

BANK = load_bank(TEST_BANK)
SCHEMA = xmlschema.XMLSchema11(
    str(Path(__file__).resolve().parents[1] / "interchange" / "moodle_quiz.xsd")
)
FAQ = [q for q in BANK.questions if q.section.value == "faq"]


@pytest.fixture
def course(app, client, make_user, demo_bank):
    """A teacher's class with an assignment of the bank's FAQ questions; returns its page."""
    make_user("teacher@example.com", role=Role.INSTRUCTOR)
    Auth(client).login("teacher@example.com")
    created = client.post(
        "/teach/", data={"name": "Hip block", "csrf_token": Auth(client).csrf("/teach/")}
    )
    page = client.get(created.location).get_data(as_text=True)
    response = client.post(
        f"{created.location}/assignments",
        data={
            "csrf_token": csrf_token(page),
            "title": "FAQ week",
            "bank": demo_bank,
            "sections": ["faq"],
            "opens_at": "2026-01-01T00:00",
            "due_at": "2030-01-01T00:00",
            "target_kind": "reviews",
            "target_reviews": "1",
            "target_retention": "0.9",
            "target_share": "0.8",
        },
    )
    return response.location


def _links(client, assignment: str) -> dict[str, str]:
    page = client.get(assignment).get_data(as_text=True)
    section = page[page.index('id="downloads"') :]
    found = re.findall(r'<a href="([^"]*download[^"]*)">([^<]+)</a>', section)
    return {
        f"{url.split('what=')[1].split('&')[0]} {name}": url.replace("&amp;", "&")
        for url, name in found
    }


def test_the_assignment_page_links_every_download(client, course) -> None:
    assert sorted(_links(client, course)) == sorted(
        [
            "set Moodle XML",
            "set GIFT",
            "set CSV",
            "bank bank file (YAML)",
            "bank article",
            "bank Moodle XML",
            "bank GIFT",
            "bank CSV",
        ]
    )


def test_the_assignments_set_downloads_in_each_format(client, course) -> None:
    links = _links(client, course)
    xml = client.get(links["set Moodle XML"])
    assert xml.status_code == 200
    assert xml.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert xml.headers["Content-Disposition"] == (f'attachment; filename="{BANK.id}-faq-week.xml"')
    SCHEMA.validate(xml.get_data(as_text=True))
    read = interchange.read("set.xml", xml.data)
    assert [q.id for q in read.questions] == [q.id for q in FAQ]
    gift = client.get(links["set GIFT"])
    assert gift.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert gift.headers["Content-Disposition"] == f'attachment; filename="{BANK.id}-faq-week.gift"'
    assert [q.prompt for q in interchange.read("set.gift", gift.data).questions] == [
        q.prompt for q in FAQ
    ]
    sheet = client.get(links["set CSV"])
    assert sheet.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert sheet.headers["Content-Disposition"] == f'attachment; filename="{BANK.id}-faq-week.csv"'
    assert [q.answer for q in interchange.read("set.csv", sheet.data).questions] == [
        q.answer for q in FAQ
    ]


def test_the_whole_bank_downloads_as_a_bank_file_with_its_article(client, course, tmp_path) -> None:
    links = _links(client, course)
    bank_file = client.get(links["bank bank file (YAML)"])
    assert bank_file.headers["Content-Type"] == "application/yaml; charset=utf-8"
    assert bank_file.headers["Content-Disposition"] == f'attachment; filename="{BANK.id}.yaml"'
    article = client.get(links["bank article"])
    assert article.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert article.headers["Content-Disposition"] == f'attachment; filename="{BANK.id}.txt"'
    (tmp_path / f"{BANK.id}.yaml").write_bytes(bank_file.data)
    (tmp_path / f"{BANK.id}.txt").write_bytes(article.data)
    assert check_bank_file(tmp_path / f"{BANK.id}.yaml") == []
    assert load_bank(tmp_path / f"{BANK.id}.yaml").questions == BANK.questions
    assert yaml.safe_load(bank_file.data)["article"] == f"{BANK.id}.txt"
    xml = client.get(links["bank Moodle XML"])
    SCHEMA.validate(xml.get_data(as_text=True))
    assert len(interchange.read("bank.xml", xml.data).questions) == len(BANK.questions)
    gift = client.get(links["bank GIFT"]).get_data(as_text=True)
    assert "// not exported: question " in gift and "GIFT has no ordering questions" in gift


def test_only_the_class_instructors_can_download(app, client, make_user, course) -> None:
    links = _links(client, course)
    Auth(client).logout()
    make_user("other@example.com", role=Role.INSTRUCTOR)
    make_user("ann@example.com")
    Auth(client).login("other@example.com")
    for url in links.values():
        assert client.get(url).status_code == 404, url
    Auth(client).logout()
    Auth(client).login("ann@example.com")
    for url in links.values():
        assert client.get(url).status_code == 403, url
    Auth(client).logout()
    assert client.get(links["set GIFT"]).status_code == 302


@pytest.mark.parametrize(
    "query",
    ["what=set&format=yaml", "what=set&format=article", "what=all&format=gift", "format=qti"],
)
def test_unknown_downloads_are_not_found(client, course, query) -> None:
    assignment_id = course.rsplit("/", 1)[1]
    assert client.get(f"/teach/assignments/{assignment_id}/download?{query}").status_code == 404
