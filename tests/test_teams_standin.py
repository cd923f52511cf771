"""The Teams stand-in answers as the Bot Framework does: tokens, keys, the connector and its failures."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import jwt
import pytest

from handlers.teams.standin import BOT_ISSUER, FakeTeams


@pytest.fixture
def fake() -> Iterator[FakeTeams]:
    with FakeTeams() as running:
        yield running


def _token(fake: FakeTeams, **form: str) -> httpx.Response:
    data = {
        "grant_type": "client_credentials",
        "client_id": fake.app_id,
        "client_secret": fake.app_password,
        "scope": "https://api.botframework.com/.default",
        **form,
    }
    return httpx.post(f"{fake.login_url}/botframework.com/oauth2/v2.0/token", data=data)


def test_openid_metadata_points_at_the_sibling_keys_and_minted_tokens_verify_with_them(
    fake: FakeTeams,
) -> None:
    document = httpx.get(fake.openid_metadata_url).json()
    assert document["jwks_uri"] == fake.openid_metadata_url.removesuffix("/openidconfiguration") + "/keys"
    keys = jwt.PyJWKClient(document["jwks_uri"])
    token = fake.mint()
    claims = jwt.decode(
        token, keys.get_signing_key_from_jwt(token).key, algorithms=["RS256"], audience=fake.app_id
    )
    assert claims["iss"] == BOT_ISSUER and claims["serviceurl"] == fake.service_url
    forged = fake.forge("unknown_key")
    assert forged is not None
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            forged, keys.get_signing_key_from_jwt(forged).key, algorithms=["RS256"], audience=fake.app_id
        )


def test_the_login_endpoint_checks_the_client_credentials(fake: FakeTeams) -> None:
    good = _token(fake)
    assert good.status_code == 200 and good.json()["expires_in"] == fake.token_lifetime
    assert fake.issued(good.json()["access_token"])
    assert _token(fake, client_secret="wrong").json()["error"] == "invalid_client"
    assert _token(fake, grant_type="password").status_code == 400
    assert _token(fake, scope="https://graph.microsoft.com/.default").status_code == 400
    assert all(call.body["client_secret"] == "***" for call in fake.calls("token"))  # never recorded


def test_the_connector_wants_an_issued_token_and_records_every_attempt(fake: FakeTeams) -> None:
    url = f"{fake.service_url}v3/conversations/a:1/activities"
    assert httpx.post(url, json={"type": "message"}).status_code == 401
    assert (
        httpx.post(
            url, json={"type": "message"}, headers={"Authorization": f"Bearer {fake.mint()}"}
        ).status_code
        == 401
    )
    bearer = {"Authorization": f"Bearer {_token(fake).json()['access_token']}"}
    fake.fail("send", 429, retry_after=3, times=2)
    for _ in range(2):
        throttled = httpx.post(url, json={"type": "message"}, headers=bearer)
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"
    sent = httpx.post(url, json={"type": "message", "text": "hi"}, headers=bearer)
    assert sent.status_code == 201
    assert [c.status for c in fake.calls("send")] == [401, 401, 429, 429, 201]
    assert (
        fake.calls("send")[0].authorization is None
        and fake.calls("send")[-1].authorization == bearer["Authorization"]
    )
    activity_id = sent.json()["id"]
    updated = httpx.put(f"{url}/{activity_id}", json={"type": "message", "text": "bye"}, headers=bearer)
    assert updated.status_code == 200
    assert fake.sent("a:1") == [{"type": "message", "text": "bye", "id": activity_id, "updated": True}]
    reply = httpx.post(f"{url}/{activity_id}", json={"type": "message", "text": "re"}, headers=bearer)
    assert reply.status_code == 201 and fake.calls("reply")[0].reply_to == activity_id


def test_an_injected_failure_can_match_a_conversation_and_be_slow(fake: FakeTeams) -> None:
    bearer = {"Authorization": f"Bearer {_token(fake).json()['access_token']}"}
    fake.fail("send", 502, latency=0.05, times=-1, where=lambda call: call.conversation_id == "a:bad")
    base = f"{fake.service_url}v3/conversations"
    assert httpx.post(f"{base}/a:bad/activities", json={}, headers=bearer).status_code == 502
    assert httpx.post(f"{base}/a:bad/activities", json={}, headers=bearer).status_code == 502
    assert httpx.post(f"{base}/a:good/activities", json={}, headers=bearer).status_code == 201
