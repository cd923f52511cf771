"""`GET /files/<token>/<filename>`: a signed, expiring link (bot/downloads.py) opens one export file,
or one next step's calendar invite.

The file is made afresh for the person the link names; a forged, altered or expired link gets 404
(nothing says whether it ever existed), and the answer is never cached.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from bot.core import Core
from bot.downloads import DownloadLinks
from bot.records import Who
from bot.results import Files

log = logging.getLogger("metbot.http")

PREFIX = "/files/"
CALENDAR_FILE = re.compile(r"^next-step-(\d{1,18})\.ics$")  # as bot/ics.py names a next step's invite
StartResponse = Callable[..., Any]


def made_afresh(core: Core, who: Who, filename: str) -> object:
    """The files a link may name, made again for the person it names: a next step's .ics ("Add to
    calendar", checked to be their own meeting) or the export."""
    calendar = CALENDAR_FILE.match(filename)
    if calendar:
        return core.meetings.calendar(who, int(calendar.group(1)))
    return core.data.export(who)


def download_app(
    core: Core, links: DownloadLinks
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        token, _, filename = str(environ.get("PATH_INFO", ""))[len(PREFIX) :].partition("/")
        wanted = links.read(token) if environ.get("REQUEST_METHOD") in ("GET", "HEAD") else None
        if wanted is None or wanted.filename != unquote(filename):
            log.warning("refused: a download link that is not valid", extra={"path": PREFIX})
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Cache-Control", "no-store")])
            return [b"This link has expired or is not valid. Ask for a new one with: met export"]
        made = made_afresh(core, wanted.who, wanted.filename)
        found = next(
            (f for f in (made.files if isinstance(made, Files) else ()) if f.filename == wanted.filename),
            None,
        )
        if found is None:
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Cache-Control", "no-store")])
            return [b"Nothing to export yet."]
        start_response(
            "200 OK",
            [
                ("Content-Type", found.mimetype),
                ("Content-Disposition", f'attachment; filename="{found.filename}"'),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
        return [found.content]

    return application
