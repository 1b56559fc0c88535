"""Every page, checked in Chromium by axe-core and measured at phone size.

axe-core (through axe-playwright-python) runs on each page at desktop and phone size, in
light and dark colour schemes: no serious or critical violation is allowed. At 390 px no
page may scroll sideways (which makes the browser zoom out), and on every kind of answer
page the grade buttons must be on screen without scrolling.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, Page

from quizapp.content.bank import Kind
from tests.browser.conftest import LiveServer, Problems, open_page
from tests.browser.site_tour import Stop, build, sign_in_as
from tests.browser.test_study_flow import EMAIL, sign_in
from tests.small_bank import KINDS, load

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}
BLOCKING = ("serious", "critical")


def tour(
    browser: Browser,
    live_server: LiveServer,
    problems: Problems,
    stops: list[Stop],
    check: Callable[[Page, Stop], list[str]],
    **options: object,
) -> list[str]:
    """Visit every stop, one browser context per user; returns what `check` found."""
    found: list[str] = []
    for who in dict.fromkeys(stop.who for stop in stops):
        page = open_page(browser, live_server, problems, **options)
        try:
            sign_in_as(page, who)
            for stop in (s for s in stops if s.who == who):
                stop.go(page)
                page.wait_for_load_state("load")
                found += check(page, stop)
        finally:
            page.context.close()
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_no_page_has_serious_accessibility_violations(
    browser: Browser,
    app: Flask,
    live_server: LiveServer,
    make_user: Callable[..., int],
    problems: Problems,
    size: str,
    scheme: str,
) -> None:
    stops = build(app, make_user)
    axe = Axe()

    def check(page: Page, stop: Stop) -> list[str]:
        result = axe.run(page)
        return [
            f"{stop.name}: {violation['id']} ({violation['impact']}) at "
            + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            for violation in result.response["violations"]
            if violation["impact"] in BLOCKING
        ]

    found = tour(browser, live_server, problems, stops, check, color_scheme=scheme, **SIZES[size])
    assert not found, "\n".join(found)
    assert len(stops) > 30


def test_every_page_fits_a_phone_and_grades_are_on_screen(
    browser: Browser,
    app: Flask,
    live_server: LiveServer,
    make_user: Callable[..., int],
    problems: Problems,
) -> None:
    stops = build(app, make_user)

    def check(page: Page, stop: Stop) -> list[str]:
        # A phone widens its layout viewport to fit wide content and zooms out, so measure
        # against the screen, not window.innerWidth.
        size = page.viewport_size
        assert size is not None
        width, height = size["width"], size["height"]
        scroll = page.evaluate("document.documentElement.scrollWidth")
        found = []
        if scroll > width:
            found.append(f"{stop.name}: {scroll}px wide on a {width}px screen")
        if stop.name.endswith(" answer"):
            for button in page.locator("#grades button.grade").all():
                box = button.bounding_box()
                if not box or box["y"] < 0 or box["y"] + box["height"] > height:
                    found.append(f"{stop.name}: a grade button is off screen at {box}")
                elif box["height"] < 44:
                    found.append(f"{stop.name}: a grade button is too small to tap")
        return found

    found = tour(browser, live_server, problems, stops, check, **SIZES["phone"])
    assert not found, "\n".join(found)


def test_matching_shows_every_description_in_full_on_a_phone(
    phone: Page,
    app: Flask,
    live_server: LiveServer,
    make_user: Callable[..., int],
    problems: Problems,
) -> None:
    load(app)
    make_user(EMAIL)
    sign_in(phone)
    phone.goto("/banks/small/study?kind=matching")
    [matching] = [q for q in KINDS if q.kind is Kind.MATCHING]
    listed = phone.locator(".match-choices li")
    for pair in matching.pairs:
        shown = listed.filter(has_text=pair.right)
        assert shown.count() == 1 and shown.is_visible(), f"{pair.right!r} is not on the page"
        box = shown.bounding_box()
        assert box and box["x"] + box["width"] <= 390
    for index, pair in enumerate(matching.pairs):
        select = phone.get_by_label(pair.left)
        select.select_option(
            label=next(
                o for o in select.locator("option").all_inner_texts() if o.endswith(pair.right)
            )
        )
        box = select.bounding_box()
        assert box and box["x"] + box["width"] <= 390 and box["height"] >= 32, index
    phone.locator('#front [data-key="reveal"]').tap()
    phone.wait_for_url("**/reveal?**")
    assert phone.locator("#verdict").inner_text() == "Correct"
    assert problems.messages == []
