"""The Teams edge on loopback: the stand-in, the SDK bridge and a WSGI server on /api/messages.

Used by the tests and the benchmarks (and the demo later) to drive the real SDK over real HTTP.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from waitress.server import create_server

from bot.settings import Settings
from handlers.stopping import stop_in_loop
from handlers.teams.http import wsgi_app
from handlers.teams.sdk import MESSAGING_ENDPOINT, TeamsBridge
from handlers.teams.standin import FakeTeams, Forgery


def loopback_settings(fake: FakeTeams, **extra: Any) -> Settings:
    """Settings pointing the Teams edge at `fake` (and nothing read from the environment's .env)."""
    values: dict[str, Any] = {
        "teams_app_id": fake.app_id,
        "teams_app_password": fake.app_password,
        "teams_login_url": fake.login_url,
        "teams_openid_metadata_url": fake.openid_metadata_url,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class LoopbackTeams:
    """FakeTeams + TeamsBridge(configure) + waitress serving `handle_activity` on 127.0.0.1."""

    def __init__(self, configure: Callable[[Any], None] | None = None, threads: int = 4) -> None:
        self.fake = FakeTeams()
        self._configure = configure
        self._threads = threads
        self.bridge: TeamsBridge | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LoopbackTeams:
        self.fake.start()
        self.bridge = TeamsBridge(loopback_settings(self.fake), self._configure).start()
        self._server = create_server(
            wsgi_app(self.bridge.handle_activity), host="127.0.0.1", port=0, threads=self._threads
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="teams-wsgi")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            if self._thread is not None and self._thread.is_alive():
                stop_in_loop(self._server)
            else:
                self._server.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.bridge is not None:
            self.bridge.close()
        self.fake.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.effective_port}{MESSAGING_ENDPOINT}"

    def post(self, activity: dict[str, Any] | bytes, forgery: Forgery | None = None) -> tuple[int, Any]:
        """Send an activity to the bot as Teams would (signed), or with a forged token."""
        return self.fake.post(self.url, activity, forgery)


class OfflineTeamsBot:
    """The real bot (core, router, Teams edge, sweeps) on SQLite or PostgreSQL with the Teams stand-in,
    served as `serve` serves it: the front (the SDK checks the token, the activity is kept in the inbox)
    over HTTP on loopback, and a worker (a thread here) that runs it and replies through the connector.
    What the Teams tests and the demo drive; `post` returns once the worker has worked off the inbox."""

    SETTLE_SECONDS = 30.0  # the most `post` waits for the worker (a loaded machine may take a while)

    def __init__(self, database_url: str, start: Any, *, cadence: Any = None, **settings: Any) -> None:
        from bot.clock import TravellingClock

        self.database_url = database_url
        self.clock = TravellingClock(start)
        self.cadence = cadence
        self.fake = FakeTeams()
        self._settings = settings
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> OfflineTeamsBot:
        from bot.app import build_app, build_front
        from bot.clock import system_clock
        from bot.work import Worker
        from handlers.web import make_server

        self.fake.start()
        settings = loopback_settings(self.fake, database_url=self.database_url, **self._settings)
        self.metbot = build_app(settings, clock=self.clock, cadence=self.cadence, worker=True)
        assert self.metbot.teams is not None
        self.metbot.teams.start()
        self.front = build_front(settings, clock=self.clock, engine=self.metbot.engine, migrate=False)
        # Leases are wall-clock business: a test that travels days ahead must not expire a row in flight.
        self.worker = Worker(self.front.inbox, self.metbot.processors, clock=system_clock)
        self._worker_thread = threading.Thread(target=self.worker.run, name="metbot-worker", daemon=True)
        self._worker_thread.start()
        self._server = make_server(self.front.web, host="127.0.0.1", port=0)
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="metbot-http")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None and self._thread is not None and self._thread.is_alive():
            stop_in_loop(self._server)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.worker.stop(drain=0.5)
        self._worker_thread.join(timeout=30)
        self.front.close()
        self.metbot.close()
        self.fake.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.effective_port}{MESSAGING_ENDPOINT}"

    def post(self, activity: dict[str, Any] | bytes, forgery: Forgery | None = None) -> tuple[int, Any]:
        answer = self.fake.post(self.url, activity, forgery)
        self.settle()
        return answer

    def settle(self) -> None:
        """Wait until the worker has run everything the front kept (each test step sees its replies)."""
        deadline = time.monotonic() + self.SETTLE_SECONDS
        while self.front.inbox.depth() and time.monotonic() < deadline:
            time.sleep(0.005)

    def sweep(self) -> Any:
        return self.metbot.sweeper.sweep(self.clock())
