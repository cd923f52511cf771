"""OAuth multi-workspace installs: slack_sdk's SQLAlchemy stores on our database, tokens encrypted at rest."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, select, update

from bot.delivery import Retryable
from bot.settings import Settings, fernet_keys, secret

log = logging.getLogger("metbot.installs")

TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
BOT_SCOPES = ["commands", "chat:write", "im:write", "im:history", "users:read", "files:write", "files:read"]


class UnreadableToken(Exception):
    """A stored token that none of METBOT_TOKEN_KEY's keys opens: a key was removed too early. It is not an
    uninstall: the workspace's members stay active, and putting the key back brings everything back."""

    def __init__(self, team_id: str | None) -> None:
        super().__init__(
            f"workspace {team_id}: its stored bot token opens with none of METBOT_TOKEN_KEY's keys"
        )
        self.team_id = team_id


class TokenCipher:
    """Fernet with rotation: the first key encrypts, every key decrypts."""

    PREFIX = "fernet:"

    def __init__(self, keys: str) -> None:
        self.fernet = MultiFernet(fernet_keys(keys))

    def seal(self, token: str | None) -> str | None:
        if not token or token.startswith(self.PREFIX):
            return token
        return self.PREFIX + self.fernet.encrypt(token.encode()).decode()

    def open(self, stored: str | None) -> str | None:
        """The token; None when no configured key opens it (the store then says which workspace)."""
        if not stored or not stored.startswith(self.PREFIX):
            return stored
        try:
            return self.fernet.decrypt(stored[len(self.PREFIX) :].encode()).decode()
        except InvalidToken:
            return None

    def rotate(self, stored: str | None) -> str | None:
        """Sealed under the first key; unchanged when no key opens it (never lost by a rotation)."""
        if not stored or not stored.startswith(self.PREFIX):
            return self.seal(stored)
        try:
            return self.PREFIX + self.fernet.rotate(stored[len(self.PREFIX) :].encode()).decode()
        except InvalidToken:
            return stored


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store, with every token sealed before it is written and opened after it is read."""

    def __init__(self, client_id: str, engine: Engine, cipher: TokenCipher) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.cipher = cipher
        self.unreadable: set[str] = set()  # team ids whose stored token no configured key opens

    def _sealed(self, entity: Any) -> Any:
        sealed = copy.copy(entity)
        for field in TOKEN_FIELDS:
            if getattr(sealed, field, None):
                setattr(sealed, field, self.cipher.seal(getattr(sealed, field)))
        return sealed

    def _opened(self, entity: Any) -> Any:
        if entity is None:
            return None
        for field in TOKEN_FIELDS:
            stored = getattr(entity, field, None)
            if stored:
                opened = self.cipher.open(stored)
                if opened is None:
                    self._report_unreadable(getattr(entity, "team_id", None))
                setattr(entity, field, opened)
        return entity

    def _report_unreadable(self, team_id: str | None) -> None:
        """One warning per workspace and process, with the team id (never the token)."""
        if team_id in self.unreadable:
            return
        self.unreadable.add(str(team_id))
        log.warning(
            "a stored bot token opens with none of METBOT_TOKEN_KEY's keys; put back the key it was sealed "
            "with, or reinstall the app there (docs/operations.md). Its members are not deactivated.",
            extra={"team": team_id},
        )

    def bot_token(self, team_id: str) -> str | None:
        """The workspace's bot token; None when it has no installation; UnreadableToken when no key opens it."""
        found = self.find_bot(enterprise_id=None, team_id=team_id)
        if found is None:
            return None
        if not found.bot_token:
            if team_id in self.unreadable:
                raise UnreadableToken(team_id)
            return None
        return str(found.bot_token)

    def save(self, installation: Installation) -> None:
        super().save(self._sealed(installation))

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(self._sealed(bot))

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        return self._opened(
            super().find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
            )
        )

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return self._opened(
            super().find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            )
        )

    def rotate_keys(self) -> int:
        """Re-encrypt every stored token under the first key; run on start, so rotation is a restart.
        A token no key opens is left as it is and reported for its workspace (`unreadable`)."""
        changed = 0
        with self.engine.begin() as connection:
            for table in (self.installations, self.bots):
                columns = [c for c in TOKEN_FIELDS if c in table.c]
                query = select(table.c.id, table.c.team_id, *[table.c[c] for c in columns])
                for row in connection.execute(query).mappings():
                    if any(row[c] and self.cipher.open(row[c]) is None for c in columns):
                        self._report_unreadable(row["team_id"])
                    values = {c: self.cipher.rotate(row[c]) for c in columns if row[c]}
                    if any(values[c] != row[c] for c in values):
                        connection.execute(update(table).where(table.c.id == row["id"]).values(**values))
                        changed += 1
        return changed


def oauth_settings(settings: Settings, engine: Engine) -> tuple[OAuthSettings, EncryptedInstallationStore]:
    settings.require_token_key()
    assert settings.slack_client_id is not None
    store = EncryptedInstallationStore(
        settings.slack_client_id, engine, TokenCipher(secret(settings.metbot_token_key))
    )
    rotated = store.rotate_keys()
    if rotated:
        log.info("re-encrypted stored tokens under the current key", extra={"rows": rotated})
    return (
        OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=secret(settings.slack_client_secret),
            scopes=BOT_SCOPES,
            installation_store=store,
            state_store=SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine),
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
        ),
        store,
    )


def client_finder(
    store: EncryptedInstallationStore | None, fallback: WebClient, make: Callable[[str], WebClient]
) -> Callable[[str], WebClient | None]:
    """Which client speaks for a workspace: its own bot token with OAuth, the one bot token otherwise."""
    if store is None:
        return lambda _team: fallback
    cache: dict[str, WebClient] = {}

    def client_for(team_id: str) -> WebClient | None:
        try:
            token = store.bot_token(team_id)
        except UnreadableToken as unreadable:  # not an uninstall: keep the digests owed, say why
            raise Retryable(str(unreadable)) from None
        if token is None:
            return None
        if token not in cache:
            cache[token] = make(token)
        return cache[token]

    return client_for
