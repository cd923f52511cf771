"""Signed, expiring download links: how a Teams user gets `met export`'s files (Teams has no upload-to-DM).

The link names the person and the file and expires; nothing is stored. Opening it makes the export
afresh for that person only, so a link shared or leaked shows nothing after it expires, and a link
cannot be changed to name someone else (the signature covers who and what).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.records import Who

LIFETIME = timedelta(minutes=15)


@dataclass(frozen=True)
class Download:
    who: Who
    filename: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class DownloadLinks:
    key: bytes  # derived from a secret every replica shares
    clock: Clock
    lifetime: timedelta = LIFETIME

    def token(self, who: Who, filename: str) -> str:
        expires = int((self.clock() + self.lifetime).timestamp())
        body = _b64(json.dumps([who.platform, who.workspace, who.user, filename, expires]).encode())
        return f"{body}.{self._sign(body)}"

    def read(self, token: str) -> Download | None:
        """The person and file a link names, or None: forged, altered, expired or unreadable."""
        body, _, signature = token.partition(".")
        if not body or not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            platform, workspace, user, filename, expires = json.loads(_unb64(body))
        except (ValueError, TypeError):
            return None
        if (
            not isinstance(expires, int)
            or datetime.fromtimestamp(expires, self.clock().tzinfo) < self.clock()
        ):
            return None
        return Download(Who(str(platform), str(workspace), str(user)), str(filename))

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self.key, body.encode(), hashlib.sha256).digest())


def key_from(secret: str) -> bytes:
    """A key for links from a secret the operator already set (the Teams app password)."""
    return hashlib.sha256(b"metbot download links\x00" + secret.encode()).digest()
