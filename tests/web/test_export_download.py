import io
import zipfile

from tests.pages import text


def test_signed_in_learner_downloads_the_bank_as_an_anki_package(
    client, auth, make_user, demo_bank
):
    make_user()
    auth.login()
    response = client.get(f"/banks/{demo_bank}/anki.apkg")
    assert response.status_code == 200
    assert f"filename={demo_bank}.apkg" in response.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert "collection.anki2" in names


def test_filter_that_matches_nothing_explains_itself(client, auth, make_user, demo_bank):
    make_user()
    auth.login()
    response = client.get(f"/banks/{demo_bank}/anki.apkg?tag=no-such-tag", follow_redirects=True)
    assert "No questions match that selection" in text(response.get_data(as_text=True))


def test_download_needs_sign_in(client, demo_bank):
    assert client.get(f"/banks/{demo_bank}/anki.apkg").status_code == 302
