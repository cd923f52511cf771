"""Structured logs: one JSON object a line, with the `extra` fields (team, user, action, outcome, ms).

What people type never reaches a log line, at any level. Our own lines are fixed sentences plus ids in
`extra`. The libraries are another matter: Bolt logs the whole body of a request that fails verification
(and of a request whose listener failed), slack_sdk logs request and response bodies at DEBUG, and an
exception's message can quote a value (SQL parameters, a bad date). So, on our handler:

* library records below WARNING are dropped, and at WARNING or above keep only their headline (the
  text before the first bracket or colon, which is where libraries put bodies and error details);
* exceptions are written as their types and frames, never their messages (a Slack API error keeps its
  error code, a database error the driver's error type);
* Slack tokens are masked in whatever is left (defence in depth).
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from datetime import UTC, datetime
from typing import IO, Any

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}

SECRET = re.compile(r"xox[abeprs]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|fernet:[A-Za-z0-9_=-]+")

# Loggers of the libraries that see request bodies, message payloads or SQL parameters.
LIBRARIES = (
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy",
    "alembic",
    "urllib3",
    "waitress",
    "apscheduler",
    "microsoft_teams",
    "msal",
    "httpx",
    "httpcore",
)
_HEADLINE = re.compile(r"^[^({\[:\n]*")
MAX_HEADLINE = 120


def is_library(name: str) -> bool:
    return any(name == lib or name.startswith(lib + ".") for lib in LIBRARIES)


def headline(message: str) -> str:
    """A library's message up to its first bracket or colon: 'Unhandled request ({...})' → 'Unhandled request'."""
    match = _HEADLINE.match(message)
    return (match.group(0) if match else "").strip()[:MAX_HEADLINE] or "(details withheld)"


class RedactSecrets(logging.Filter):
    """Defence in depth: a Slack token that slips into any log line is masked before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if SECRET.search(message):
            record.msg = SECRET.sub("[redacted]", message)
            record.args = None
        return True


class LibraryHeadlines(logging.Filter):
    """Library records: nothing below WARNING, and from WARNING up only the headline (no bodies, no values)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not is_library(record.name):
            return True
        if record.levelno < logging.WARNING:
            return False
        record.msg = headline(record.getMessage())
        record.args = None
        return True


def exception_summary(error: BaseException | None) -> str:
    """Frames and exception types, outermost last, without the messages (they may quote user text)."""
    parts: list[str] = []
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        frames = "".join(traceback.format_tb(error.__traceback__))
        parts.append(f"Traceback (most recent call last):\n{frames}{_kind(error)}")
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return "\n\nwhich was raised while handling:\n".join(parts)


def _kind(error: BaseException) -> str:
    """`module.Type`, plus what names the failure without quoting data: Slack's error code, the driver's type."""
    kind = f"{type(error).__module__}.{type(error).__qualname__}"
    response: Any = getattr(error, "response", None)
    code = response.get("error") if response is not None and hasattr(response, "get") else None
    if isinstance(code, str) and code.isascii() and len(code) < 60:
        kind += f" (Slack error: {code})"
    orig = getattr(error, "orig", None)
    if isinstance(orig, BaseException):
        kind += f" (driver: {type(orig).__module__}.{type(orig).__qualname__})"
    return kind


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)

    def formatException(self, ei: Any) -> str:
        return exception_summary(ei[1] if ei else None)


def handler(stream: IO[str] | None = None) -> logging.Handler:
    """Our one log handler: JSON lines, library headlines only, tokens masked."""
    out = logging.StreamHandler(stream)
    out.setFormatter(JsonFormatter())
    out.addFilter(LibraryHeadlines())
    out.addFilter(RedactSecrets())
    return out


def configure(level: int = logging.INFO, stream: IO[str] | None = None) -> None:
    root = logging.getLogger()
    root.handlers[:] = [handler(stream)]
    root.setLevel(level)
    # Libraries that would log request bodies, URLs or SQL parameters stay at WARNING even when we debug.
    for library in LIBRARIES:
        logging.getLogger(library).setLevel(logging.WARNING)
