"""Two-factor sign-in (TOTP through allauth.mfa): an official turns it on, and from then on the
password alone does not sign them in."""

from __future__ import annotations

import time
from typing import Any

from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.test import Client

from cocity.core.models import Role


def totp(secret: str, ahead: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + ahead))


def sign_in(client: Client) -> Any:
    return client.post(
        "/accounts/login/", {"login": "official@example.org", "password": "pw-12345-long"}
    )


def test_an_official_turns_on_totp_and_then_needs_the_code(
    city: dict[str, Any], settings: Any
) -> None:
    # accept the next period's code too, so the sign-in below need not wait for a fresh one
    # (a code is accepted once)
    settings.MFA_TOTP_TOLERANCE = 1
    client = Client()
    assert sign_in(client).status_code == 302
    privacy = client.get("/me/privacy/").content.decode()
    assert "/accounts/2fa/" in privacy  # offered on the account page
    page = client.get("/accounts/2fa/totp/activate/")
    if page.status_code == 302:  # allauth asks for the password again first
        assert page["Location"].startswith("/accounts/reauthenticate/")
        client.post(page["Location"], {"password": "pw-12345-long"})
        page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200  # the form again, with an error
    res = client.post("/accounts/2fa/totp/activate/", {"code": totp(secret)})
    assert res.status_code == 302
    from allauth.mfa.models import Authenticator

    official = city["users"][Role.OFFICIAL]
    assert Authenticator.objects.filter(user=official, type="totp").exists()

    client.post("/accounts/logout/")
    second = Client()
    res = sign_in(second)
    assert res.status_code == 302
    assert res["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in second.session  # the password alone is not enough
    bad = second.post("/accounts/2fa/authenticate/", {"code": "123456"})
    assert "_auth_user_id" not in second.session
    assert bad.status_code == 200
    ok = second.post("/accounts/2fa/authenticate/", {"code": totp(secret, ahead=1)})
    assert ok.status_code == 302
    assert second.session["_auth_user_id"] == str(official.pk)
