"""Configuration: exactly the interface contract's variables, from the environment or `.env`."""

from __future__ import annotations

from cryptography.fernet import Fernet
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class MissingSetting(Exception):
    """A command needs a variable that is not set; the message is the one sentence the operator reads."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///metbot.db"
    metbot_shoutout_channel: str | None = None
    # OAuth installs only: Fernet key(s) encrypting bot tokens at rest. Comma-separated; the first
    # encrypts, all decrypt, so a new key can be put in front of the old one (docs/operations.md).
    metbot_token_key: SecretStr | None = None
    # Team figures and the roundup's breakdown counts appear only for groups at least this big, so nobody
    # can subtract their own figures from the team's and read a colleague's.
    metbot_min_group: int = 5
    # Where `serve` is reached from outside (https://metbot.example.com): Teams' export download links.
    metbot_public_url: str | None = None
    # Microsoft Teams (DESIGN.md "Microsoft Teams — the second edge"): on when the app id and password are set.
    teams_app_id: str | None = None
    teams_app_password: SecretStr | None = None
    teams_tenant_id: str = "botframework.com"
    teams_openid_metadata_url: str = "https://login.botframework.com/v1/.well-known/openidconfiguration"
    teams_login_url: str = "https://login.microsoftonline.com"

    @property
    def teams_enabled(self) -> bool:
        """Teams is served when both the bot's Entra app id and its client secret are set."""
        return bool((self.teams_app_id or "").strip() and secret(self.teams_app_password))

    def require_teams(self) -> None:
        """The Teams edge needs the bot's app id and client secret."""
        if not (self.teams_app_id or "").strip():
            raise MissingSetting(
                "TEAMS_APP_ID is not set: copy the bot's Microsoft App ID from its Azure Bot resource "
                "or the Teams Developer Portal."
            )
        if not secret(self.teams_app_password):
            raise MissingSetting(
                "TEAMS_APP_PASSWORD is not set: create a client secret for the bot's Entra app registration."
            )

    @property
    def slack_enabled(self) -> bool:
        """Slack is served when requests can be verified and answered (a bot token or the OAuth pair)."""
        return bool(
            secret(self.slack_signing_secret) and (secret(self.slack_bot_token) or self.oauth_enabled)
        )

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    def require_http(self) -> None:
        """`serve` needs Slack's settings, Teams' settings, or both: with Teams' alone, Slack is off."""
        if self.teams_enabled and not secret(self.slack_signing_secret) and not self.oauth_enabled:
            return
        if not secret(self.slack_signing_secret):
            if (self.teams_app_id or "").strip() or secret(self.teams_app_password):
                self.require_teams()
            raise MissingSetting(
                "SLACK_SIGNING_SECRET is not set: copy it from your Slack app's Basic Information page."
            )
        if not secret(self.slack_bot_token) and not self.oauth_enabled:
            raise MissingSetting(
                "SLACK_BOT_TOKEN is not set (nor SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth): "
                "copy the bot token from your Slack app's OAuth & Permissions page."
            )
        self.require_token_key()

    def require_token_key(self) -> None:
        """With OAuth, METBOT_TOKEN_KEY must be set and every key in it a Fernet key: checked at start."""
        if self.oauth_enabled and not secret(self.metbot_token_key):
            raise MissingSetting(
                "METBOT_TOKEN_KEY is not set: OAuth installs keep bot tokens encrypted; generate a key with "
                "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'."
            )
        if self.oauth_enabled:
            fernet_keys(secret(self.metbot_token_key))

    def require_socket(self) -> None:
        """`socket` needs an app-level token and a bot token."""
        if not secret(self.slack_app_token):
            raise MissingSetting(
                "SLACK_APP_TOKEN is not set: create an app-level token with connections:write "
                "on your Slack app's Basic Information page."
            )
        if not secret(self.slack_bot_token):
            raise MissingSetting(
                "SLACK_BOT_TOKEN is not set: copy the bot token from your Slack app's OAuth & Permissions page."
            )


KEY_HELP = (
    "generate one with python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())'."
)


def fernet_keys(keys: str) -> list[Fernet]:
    """METBOT_TOKEN_KEY's comma-separated keys, or MissingSetting naming what is wrong (never the key)."""
    parts = [k.strip() for k in keys.split(",") if k.strip()]
    if not parts:
        raise MissingSetting(f"METBOT_TOKEN_KEY is empty: {KEY_HELP}")
    made = []
    for n, key in enumerate(parts, start=1):
        try:
            made.append(Fernet(key.encode()))
        except ValueError:  # binascii.Error too: not base64, or not 32 bytes once decoded
            which = f"key {n} of {len(parts)}" if len(parts) > 1 else "key"
            raise MissingSetting(
                f"METBOT_TOKEN_KEY's {which} is not a Fernet key (44 characters of url-safe base64, "
                f"{len(key)} given): {KEY_HELP}"
            ) from None
    return made


def secret(value: SecretStr | None) -> str:
    """The secret's text, or '' when unset or blank."""
    return value.get_secret_value().strip() if value is not None else ""
