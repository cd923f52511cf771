"""`python -m bot` / `metbot`: serve, socket, demo (and, with the follow-up engine, nudge)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from bot.clock import TravellingClock, system_clock
from bot.logs import configure
from bot.settings import MissingSetting, Settings, secret

log = logging.getLogger("metbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="metbot", description="The networking follow-up bot for Slack.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="HTTP mode: Bolt on POST /slack/events, GET /healthz")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--host", default="0.0.0.0")
    sub.add_parser("socket", help="Socket Mode: the same listeners over a WebSocket")
    nudge = sub.add_parser("nudge", help="one sweep as if the clock read --now: send every DM due, then exit")
    nudge.add_argument("--now", help="ISO-8601 instant, e.g. 2026-12-01T09:00:00+00:00 (default: now)")
    nudge.add_argument(
        "--rate",
        type=float,
        default=20.0,
        help="at most this many DMs per second (default 20: Slack's allowance)",
    )
    sub.add_parser("demo", help="the whole story offline, printed as a conversation")
    teams_app = sub.add_parser("teams-app", help="write the Teams app package (manifest.json and icons)")
    teams_app.add_argument("--host", required=True, help="the public host serving /api/messages")
    teams_app.add_argument("--out", default="metbot-teams.zip", help="the zip to write")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not logging.getLogger().handlers:  # an embedding program (or pytest) keeps its own logging
        configure(logging.ERROR if args.command == "demo" else logging.INFO)
    try:
        if args.command == "demo":
            from handlers.demo import run_demo

            return run_demo()
        settings = Settings()
        if args.command == "serve":
            return serve(settings, host=args.host, port=args.port)
        if args.command == "socket":
            return socket(settings)
        if args.command == "nudge":
            return nudge(settings, args.now, rate=args.rate)
        if args.command == "teams-app":
            return teams_app(settings, host=args.host, out=args.out)
    except MissingSetting as problem:
        print(f"metbot: {problem}", file=sys.stderr)
        return 2
    except SQLAlchemyError as problem:
        print(
            f"metbot: the database at DATABASE_URL could not be used ({type(problem).__name__}: "
            f"{str(problem).splitlines()[0][:200]}).",
            file=sys.stderr,
        )
        return 1
    return 2


def serve(settings: Settings, *, host: str, port: int) -> int:
    settings.require_http()
    from bot.app import build_app
    from bot.schedule import start_scheduler
    from handlers.slack.http import make_server

    metbot = build_app(settings)
    server = make_server(metbot, host=host, port=port)
    scheduler = start_scheduler(metbot)
    log.info("serving on http://%s:%s/slack/events", host, server.effective_port)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown(wait=False)
        server.close()
    return 0


def teams_app(settings: Settings, *, host: str, out: str) -> int:
    """Write the Teams app package to upload in Teams (or the Developer Portal)."""
    from pathlib import Path

    from handlers.teams.package import build_package

    written = build_package(settings.teams_app_id, host, Path(out))
    print(f"metbot: wrote {written} (manifest.json, color.png, outline.png) for https://{host}/api/messages.")
    return 0


def socket(settings: Settings) -> int:
    settings.require_socket()
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_app
    from bot.schedule import start_scheduler
    from bot.settings import secret

    metbot = build_app(settings)
    scheduler = start_scheduler(metbot)
    try:
        SocketModeHandler(metbot.app, secret(settings.slack_app_token)).start()
    finally:
        scheduler.shutdown(wait=False)
    return 0


def parse_now(text: str | None) -> datetime:
    if not text:
        return system_clock()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise MissingSetting(
            f"--now {text!r} is not an ISO-8601 time; try 2026-12-01T09:00:00+00:00."
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def nudge(settings: Settings, now_text: str | None, *, rate: float = 20.0) -> int:
    """One sweep at --now: the CLI's time machine, and the operator's manual tick."""
    if not secret(settings.slack_bot_token) and not settings.oauth_enabled:
        raise MissingSetting(
            "SLACK_BOT_TOKEN is not set (nor SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth installs): "
            "nudge sends DMs, so it needs the bot token from your Slack app's OAuth & Permissions page."
        )
    settings.require_token_key()
    from bot.app import build_app

    now = parse_now(now_text)
    if rate <= 0:
        raise MissingSetting(f"--rate {rate:g} must be a positive number of DMs per second, e.g. --rate 20.")
    metbot = build_app(settings, clock=TravellingClock(now))
    metbot.sweeper.sends_per_second = rate
    report = metbot.sweeper.sweep(now)
    refused = f", {report.refused} refused by the platform (see the log)" if report.refused else ""
    print(
        f"metbot: sweep at {now.isoformat()}: {report.sent} digest(s) sent, {report.failed} to retry, "
        f"{report.deactivated} member(s) unreachable{refused}."
    )
    roundup = metbot.roundups.sweep(now)
    if roundup.posted or roundup.failed:
        print(f"metbot: weekly roundup: {roundup.posted} posted, {roundup.failed} to retry.")
    store = metbot.installation_store
    for team in sorted(store.unreadable if store is not None else ()):
        print(
            f"metbot: workspace {team}: its stored bot token opens with none of METBOT_TOKEN_KEY's keys, so its "
            "digests wait; put back the key it was sealed with, or reinstall the app there.",
            file=sys.stderr,
        )
    return 0
