from pathlib import Path

from auditapp import create_app
from tests import factories
from tests.conftest import sign_in


def test_every_page_sends_csp_nosniff_and_no_framing(client):
    for path in ("/login", "/manifest.webmanifest", "/sw.js", "/offline", "/nowhere"):
        response = client.get(path)
        response.close()
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, path
        assert "frame-ancestors 'none'" in csp, path
        assert "object-src 'none'" in csp, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path


def test_pages_contain_no_inline_script_or_style(app, client, login_as):
    org = factories.make_org()
    user = factories.make_user(org)
    factories.make_journey(org)
    login_as(user)

    for path in ("/login", "/journeys", "/journeys/1", "/personas"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and "<style" not in page, path
        assert " onclick=" not in page and " style=" not in page, path


def test_session_cookie_is_httponly_lax_and_not_secure_on_http(app, client):
    org = factories.make_org()
    user = factories.make_user(org)

    response = sign_in(client, user.email)

    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("polku_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_host_prefixed_over_https(app, client):
    org = factories.make_org()
    user = factories.make_user(org)
    https = {"base_url": "https://localhost"}
    page = client.get("/login", **https).get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]

    response = client.post(
        "/login",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token},
        headers={"Referer": "https://localhost/login"},
        **https,
    )

    cookie = response.headers["Set-Cookie"]
    assert response.status_code == 303
    assert cookie.startswith("__Host-polku_session=")
    assert "Secure" in cookie and "Domain" not in cookie and "Path=/" in cookie
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_signed_in_pages_are_not_stored_by_caches(app, client, login_as):
    org = factories.make_org()
    login_as(factories.make_user(org))

    assert client.get("/journeys").headers["Cache-Control"] == "no-store"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    config = {
        "INSTANCE_PATH": str(tmp_path / "inst"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
    }

    first = create_app(config).config["SECRET_KEY"]
    second = create_app(config).config["SECRET_KEY"]

    key_file = Path(tmp_path / "inst" / "secret_key")
    assert first == second == key_file.read_text()
    assert len(first) >= 32
    assert key_file.stat().st_mode & 0o077 == 0


def test_api_paths_answer_json_401_when_signed_out(client):
    response = client.get("/api/anything")

    assert response.status_code == 404
    assert response.is_json
