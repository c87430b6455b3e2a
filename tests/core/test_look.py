"""One look everywhere: allauth's pages and the API docs in the site's layout and language, and a
header that shows the product and what each role may reach."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ENTRANCE = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/done/",
    "/accounts/confirm-email/",
    "/accounts/inactive/",
]
SIGNED_IN = [
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/me/",
]


def login(client: Client, user: Any) -> Client:
    assert client.login(email=user.email, password="pw-12345-long")
    return client


def nav_links(page: str) -> list[str]:
    nav = page[page.index('<nav class="menu-panel"') : page.index("</nav>")]
    return re.findall(r'href="([^"]+)"', nav)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("path", ENTRANCE + SIGNED_IN)
def test_account_pages_use_the_site_layout(
    client: Client, city: dict[str, Any], path: str, language: str
) -> None:
    if path in SIGNED_IN:
        login(client, city["users"]["resident"])
    response = client.get(path, headers={"accept-language": language}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert 'class="site-header"' in page
    assert 'id="language-select"' in page
    assert '<main id="main"' in page
    assert "/static/cocity/cocity.css" in page
    assert "Menu:" not in page  # allauth's bare layout is gone


def test_sign_in_page_form_is_accessible(client: Client) -> None:
    page = client.post("/accounts/login/", {"login": "nobody@example.org", "password": "x"})
    html = page.content.decode()
    assert 'for="id_login"' in html
    assert 'for="id_password"' in html
    assert 'class="errorlist nonfield"' in html
    signup = client.post("/accounts/signup/", {"email": "not-an-email"}).content.decode()
    # the field's error is tied to its input
    assert 'aria-describedby="id_email_error"' in signup
    assert 'aria-invalid="true"' in signup


def test_spanish_account_pages_say_tu(client: Client, city: dict[str, Any]) -> None:
    es = {"accept-language": "es"}
    login_page = client.get("/accounts/login/", headers=es).content.decode()
    assert "¿Has olvidado tu contraseña?" in login_page
    assert "regístrate" in login_page
    assert "¿Ha olvidado" not in login_page
    assert "regístrese" not in login_page
    signup = client.get("/accounts/signup/", headers=es).content.decode()
    assert "¿Ya tienes una cuenta?" in signup
    # Django's password checks, too
    assert "Tu contraseña no puede parecerse demasiado a tus otros datos personales." in signup
    assert "Tu contraseña debe tener al menos 8 caracteres." in signup
    assert "Su contraseña" not in signup
    reset = client.get("/accounts/password/reset/", headers=es).content.decode()
    assert "Escribe abajo tu dirección" in reset
    assert "Introduzca" not in reset
    login(client, city["users"]["resident"])
    email = client.get("/accounts/email/", headers=es).content.decode()
    assert "asociadas a tu cuenta" in email
    assert "su cuenta" not in email
    logout = client.get("/accounts/logout/", headers=es).content.decode()
    assert "¿Seguro que quieres cerrar sesión?" in logout


def test_api_docs_carry_the_language(client: Client) -> None:
    assert (
        '<html lang="es">'
        in client.get("/api/docs/", headers={"accept-language": "es"}).content.decode()
    )
    assert '<html lang="en">' in client.get("/api/docs/").content.decode()


@pytest.mark.parametrize(
    ("role", "extra"),
    [
        (None, []),
        ("resident", []),
        ("organisation_member", []),
        ("moderator", ["/conversations/moderation/"]),
        ("official", ["/needs/triage/"]),
        ("admin", ["/needs/triage/", "/conversations/moderation/", "/admin/"]),
    ],
)
def test_header_shows_the_product_and_what_the_role_may_reach(
    client: Client, city: dict[str, Any], role: str | None, extra: list[str]
) -> None:
    if role:
        login(client, city["users"][role])
    page = client.get("/").content.decode()
    links = nav_links(page)
    assert 'href="/needs/report/"' in page  # "Report a problem", outside the menu
    by_role = {"/needs/triage/", "/conversations/moderation/", "/admin/"}
    product = ["/needs/map/", "/needs/", "/conversations/"]
    assert [link for link in links if link in by_role or link in product] == product + extra
    if role:
        assert "/me/" in links
        assert "/notifications/" in links
        assert "/accounts/login/" not in links
    else:
        assert "/accounts/login/" in links
        assert "/accounts/signup/" in links
        assert "/me/" not in links


def test_header_marks_the_current_page(client: Client) -> None:
    page = client.get("/needs/map/").content.decode()
    assert '<a href="/needs/map/" aria-current="page">' in page
    assert page.count('aria-current="page"') == 1
    home = client.get("/").content.decode()
    assert 'aria-current="page"' not in home


@pytest.mark.parametrize("language", ["en", "es"])
def test_password_reset_from_a_valid_key_uses_the_site_layout(
    client: Client, city: dict[str, Any], language: str
) -> None:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = city["users"]["resident"]
    key = default_token_generator.make_token(user)
    path = f"/accounts/password/reset/key/{user_pk_to_url_str(user)}-{key}/"
    response = client.get(path, headers={"accept-language": language}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}">' in page
    assert 'class="site-header"' in page
    assert 'name="password1"' in page
    assert 'aria-describedby="id_password1_helptext"' in page
