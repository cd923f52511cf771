"""The real bot, served over HTTP on loopback and wired to the local Slack stand-in.

Used by `demo`, the tests and the benchmarks alike, so all three exercise the same server `serve` runs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.app import Front, Metbot, build_app, build_front
from bot.cadence import Cadence
from bot.clock import TravellingClock, system_clock
from bot.settings import Settings
from bot.work import Worker
from handlers.slack.standin import FakeSlack, SlackRequests, SlackSigner
from handlers.stopping import stop_in_loop
from handlers.web import make_server

SIGNING_SECRET = "local-signing-secret-for-tests-and-demo"
BOT_TOKEN = "xoxb-local-demo-token"


def local_settings(fake: FakeSlack, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_signing_secret": SecretStr(SIGNING_SECRET),
        "slack_bot_token": SecretStr(BOT_TOKEN),
        "slack_api_url": fake.api_url,
        "database_url": database_url,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class OfflineBot:
    """A running bot: `slack` sends signed requests to it, `fake` records what it said to Slack.

    The same front `serve` runs answers HTTP; one worker runs in a thread of this process (its own
    process under `serve`), so tests see the inbox, the worker and Bolt exactly as deployed.
    """

    database_url: str
    start: datetime
    cadence: Cadence | None = None
    fake_latency: float = 0.0
    slack_timeout: float = 10
    worker_threads: int = 32  # a burst of slow clicks (each waiting on Slack) runs in parallel
    settings_overrides: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.clock = TravellingClock(self.start)
        self.fake = FakeSlack(latency=self.fake_latency)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> OfflineBot:
        self.fake.start()
        self.settings = local_settings(self.fake, self.database_url, **self.settings_overrides)
        self.metbot: Metbot = build_app(
            self.settings,
            clock=self.clock,
            cadence=self.cadence,
            slack_timeout=self.slack_timeout,
            worker=True,
        )
        self.front: Front = build_front(
            self.settings, clock=self.clock, engine=self.metbot.engine, migrate=False
        )
        # Leases are wall-clock business: a test that travels days ahead must not expire a row in flight.
        self.worker = Worker(
            self.front.inbox, self.metbot.processors, clock=system_clock, threads=self.worker_threads
        )
        self._worker_thread = threading.Thread(target=self.worker.run, name="metbot-worker", daemon=True)
        self._worker_thread.start()
        self._server = make_server(self.front.web, host="127.0.0.1", port=0)
        self._thread = threading.Thread(target=self._server.run, name="metbot-http", daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.effective_port}"
        self.slack = SlackRequests(f"{self.url}/slack/events", SlackSigner(SIGNING_SECRET), self.fake)
        return self

    def __exit__(self, *exc: object) -> None:
        self.slack.close()
        if self._server is not None:
            if self._thread is not None and self._thread.is_alive():
                stop_in_loop(self._server)
            else:
                self._server.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.worker.stop(drain=0.5)  # what the test already sent is finished, as `serve` drains on SIGTERM
        self._worker_thread.join(timeout=30)
        if self.metbot.executor is not None:
            self.metbot.executor.shutdown(wait=True)
        self.front.inbox.close()
        self.metbot.engine.dispose()
        self.fake.stop()

    def sweep(self) -> Any:
        return self.metbot.sweeper.sweep(self.clock())


def sqlite_url(folder: Path, name: str = "metbot.db") -> str:
    return f"sqlite:///{folder / name}"
