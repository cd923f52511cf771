"""Events: the App Home."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.results import Who
from bot.service import Core
from handlers.slack.edge import ack_now, learn_profile
from handlers.slack.render import home_view

log = logging.getLogger("metbot.slack")


def register(app: App, core: Core) -> None:
    def home(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        who = Who(workspace=str(body.get("team_id") or ""), user=str(event.get("user") or ""))
        learn_profile(core, client, who)
        core.note_home_opened(who)
        client.views_publish(user_id=who.user, view=home_view(core.home(who)))

    app.event("app_home_opened")(ack=ack_now, lazy=[home])
