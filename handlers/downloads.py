"""`GET /files/<token>/<filename>`: a signed, expiring link (bot/downloads.py) opens one export file.

The export is made afresh for the person the link names; a forged, altered or expired link gets 404
(nothing says whether it ever existed), and the answer is never cached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from bot.core import Core
from bot.downloads import DownloadLinks
from bot.results import Files

log = logging.getLogger("metbot.http")

PREFIX = "/files/"
StartResponse = Callable[..., Any]


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
        exported = core.data.export(wanted.who)
        found = next(
            (
                f
                for f in (exported.files if isinstance(exported, Files) else ())
                if f.filename == wanted.filename
            ),
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
