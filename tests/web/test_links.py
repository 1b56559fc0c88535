"""Templates' links are built once and stay right for each page and each script root."""

from flask import render_template_string


def test_a_link_is_the_same_built_again_and_follows_its_arguments(app):
    page = "{{ url_for('study.next_card', slug=slug) }} {{ url_for('static', filename='a.css') }}"
    with app.test_request_context("/"):
        first = render_template_string(page, slug="hip")
        assert first == render_template_string(page, slug="hip") == "/banks/hip/study /static/a.css"
        assert render_template_string(page, slug="knee").startswith("/banks/knee/study ")


def test_links_follow_the_script_root_and_special_arguments(app):
    page = "{{ url_for('study.home') }} {{ url_for('study.home', _external=True) }}"
    with app.test_request_context("/"):
        assert render_template_string(page) == "/ http://localhost/"
    with app.test_request_context("/", base_url="http://example.org/quiz"):
        assert render_template_string(page) == "/quiz/ http://example.org/quiz/"


def test_unhashable_arguments_are_built_each_time(app):
    with app.test_request_context("/"):
        link = render_template_string("{{ url_for('study.browser', tag=['a', 'b']) }}")
    assert link == "/browse?tag=a&amp;tag=b"


def test_query_arguments_keep_the_order_they_were_given_in(app):
    with app.test_request_context("/"):
        link = render_template_string("{{ url_for('study.browser', show='new', q='hip') }}")
    assert link == "/browse?show=new&amp;q=hip"
