"""The Teams app package: manifest.json (schema 1.29) and the two icons, zipped for upload.

`python -m bot teams-app --host metbot.example.com --out metbot-teams.zip` writes it. The icons are
drawn with Pillow at build time (no binary files in the repository): a 192×192 colour icon and a
32×32 outline that is white on transparent only, as Teams requires.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from bot.settings import MissingSetting

__all__ = [
    "COMMAND_NAMES",
    "COMMAND_WORDS",
    "MANIFEST_SCHEMA",
    "MESSAGE_EXTENSION_ID",
    "build_package",
    "icons",
    "manifest",
]

MANIFEST_VERSION = "1.29"
MANIFEST_SCHEMA = (
    f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
PACKAGE_VERSION = "1.0.0"
ACCENT = "#1F7A6D"
MESSAGE_EXTENSION_ID = "logMeeting"

# The command words a user types in the 1:1 chat (DESIGN.md), with the hint Teams shows for each.
# The router's commands are checked against this tuple, and the manifest lists exactly these.
COMMAND_WORDS: tuple[tuple[str, str], ...] = (
    ("met", "Log a meeting: met Jane Doe (Acme) at BNI; next step: intro by Friday"),
    ("met list", "Your recent contacts"),
    ("met stats", "Your follow-up rates and most common breakdown"),
    ("met help", "How to use metbot"),
    ("met team", "The team's breakdowns, as counts only"),
    ("met export", "Your contacts and history as CSV and vCard files"),
    ("met forget", "Forget a contact, or everything metbot keeps about you"),
    ("met config", "Digest hour, timezone, shoutout channel"),
    ("referral", "Record a referral given or received: referral @Sam to Jane Doe"),
    ("home", "What is due, who is losing touch, your rates"),
)
COMMAND_NAMES: frozenset[str] = frozenset(word.split()[0] for word, _ in COMMAND_WORDS)
_HOST = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9-]{1,63})*(:\d{1,5})?$"
)


def _checked_host(host: str) -> str:
    bare = host.strip().removeprefix("https://").removeprefix("http://").rstrip("/")
    if not _HOST.match(bare):
        raise MissingSetting(
            f"--host {host!r} is not a host name; give the public host only, e.g. metbot.example.com."
        )
    return bare


def manifest(app_id: str, host: str, version: str = PACKAGE_VERSION) -> dict[str, Any]:
    """manifest.json for the bot `app_id` served at https://`host`/api/messages."""
    host = _checked_host(host)
    site = f"https://{host}"
    commands = [{"title": word, "description": hint} for word, hint in COMMAND_WORDS]
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": "metbot",
            "websiteUrl": site,
            "privacyUrl": f"{site}/privacy",
            "termsOfUseUrl": f"{site}/terms",
        },
        "name": {"short": "metbot", "full": "metbot: networking follow-ups"},
        "description": {
            "short": "Log who you met, get nudged to follow up, learn why contacts go quiet.",
            "full": (
                "metbot is a follow-up system for business networking. Type met Jane Doe (Acme) at BNI; "
                "next step: intro to her CFO by Friday to log a meeting in seconds. Every morning at 09:00 "
                "in your own timezone metbot sends you who to follow up with, asks whether they responded, "
                "and when a relationship stalls helps you name why and what to do next. Your contacts are "
                "yours alone: teammates never see them."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team"],
                "supportsFiles": True,
                "isNotificationOnly": False,
                "commandLists": [{"scopes": ["personal"], "commands": commands}],
            }
        ],
        "composeExtensions": [
            {
                "botId": app_id,
                "commands": [
                    {
                        "id": MESSAGE_EXTENSION_ID,
                        "type": "action",
                        "title": "Log a meeting",
                        "description": "Log who you met and the next step agreed",
                        "context": ["compose", "commandBox", "message"],
                        "fetchTask": True,
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
    }


def icons() -> dict[str, bytes]:
    """color.png (192×192) and outline.png (32×32, white on transparent), drawn now."""
    from PIL import Image, ImageDraw

    colour = Image.new("RGBA", (192, 192), ACCENT)
    draw = ImageDraw.Draw(colour)
    draw.ellipse((36, 36, 156, 156), outline="white", width=14)
    draw.line((66, 98, 88, 122, 128, 72), fill="white", width=14, joint="curve")
    outline = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(outline)
    draw.ellipse((3, 3, 28, 28), outline=(255, 255, 255, 255), width=3)
    draw.line((10, 16, 14, 20, 22, 11), fill=(255, 255, 255, 255), width=3)
    files = {}
    for name, image in (("color.png", colour), ("outline.png", outline)):
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        files[name] = buffer.getvalue()
    return files


def build_package(app_id: str | None, host: str, out: Path) -> Path:
    """Write the zip Teams uploads: manifest.json, color.png, outline.png at its root."""
    if not (app_id or "").strip():
        raise MissingSetting(
            "TEAMS_APP_ID is not set: the package names the bot by its Microsoft App ID "
            "(from its Azure Bot resource or the Teams Developer Portal)."
        )
    document = manifest(str(app_id).strip(), host)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(document, indent=2, ensure_ascii=False))
        for name, content in icons().items():
            package.writestr(name, content)
    return out
