"""The weekly roundup's chart, over HTTP against the Slack and Teams stand-ins, on SQLite and PostgreSQL.

Slack: the PNG is uploaded with files_upload_v2 and shown by a `slack_file` image block in the one roundup
post; a failed upload leaves the text; a retried post neither posts nor uploads twice. Teams: an Image in
the roundup card. The figures stay as text, team counts only, and METBOT_MIN_GROUP is respected.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from PIL import Image

from bot.charts import HEIGHT, WIDTH, Week, roundup_chart
from bot.results import Who
from handlers.slack.offline import OfflineBot
from handlers.slack.standin import message_to_text
from handlers.teams.offline import OfflineTeamsBot
from handlers.teams.standin import TeamsUser, card_to_text
from tests.test_referrals import ALICE, BOB, SHOUT, START, command, contact, referral

MONDAY_9AM = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # New York
NAMES = ("Sam Lee", "Globex", "Jane Doe", "Pat Kim")


def slack_bot(database_url: str, min_group: int) -> OfflineBot:
    return OfflineBot(
        database_url=database_url,
        start=START,
        slack_timeout=2,
        settings_overrides={"metbot_shoutout_channel": SHOUT, "metbot_min_group": min_group},
    )


@pytest.fixture
def shout(database_url: str) -> Iterator[OfflineBot]:
    with slack_bot(database_url, 1) as running:
        running.fake.add_user(ALICE, real_name="Alice Martin")
        running.fake.add_user(BOB, real_name="Bob Builder")
        yield running


def a_week_of_networking(bot: OfflineBot) -> None:
    """Two contacts met, one followed up; a referral given; one breakdown named."""
    command(bot, "Sam Lee (Globex) at BNI")
    command(bot, "Pat Kim at BNI")
    who = Who("slack", "T0DEMO", ALICE)
    bot.metbot.engagement.followed_up(who, contact(bot, "Pat Kim").id)
    sam = contact(bot, "Sam Lee").id
    bot.metbot.engagement.went_cold(who, sam)
    bot.metbot.engagement.classify(who, sam, "too_salesy")
    referral(bot, "gave Jane Doe to <@U0BOB>")


def roundup_posts(bot: OfflineBot) -> list[dict[str, Any]]:
    return [m for m in bot.fake.messages(SHOUT) if "roundup" in str(m.get("text", "")).lower()]


def image_blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in message["blocks"] if b.get("type") == "image"]


def png_size(png: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    image.verify()  # a complete, uncorrupted PNG
    return Image.open(io.BytesIO(png)).size


def test_the_roundup_carries_its_chart_as_a_slack_file_image(shout: OfflineBot) -> None:
    a_week_of_networking(shout)
    shout.clock.set(MONDAY_9AM)
    assert shout.metbot.roundups.sweep(shout.clock()).posted == 1

    [post] = roundup_posts(shout)
    [block] = image_blocks(post)
    uploaded = shout.fake.uploads()[block["slack_file"]["id"]]
    assert uploaded.channel_id is None  # not shared into the channel: the block shows it
    assert png_size(uploaded.content or b"") == (WIDTH, HEIGHT)
    assert 2_000 < len(uploaded.content or b"") < 100_000
    assert "follow-up" in block["alt_text"] and "week of 23 Nov: follow-up 50%" in block["alt_text"]
    text = message_to_text(post)
    assert "1 referral given in the team this week" in text  # the words stay, for screen readers
    for name in NAMES:
        assert name not in text and name not in block["alt_text"]


def test_a_failed_upload_still_posts_the_roundup_with_its_text(shout: OfflineBot) -> None:
    a_week_of_networking(shout)
    shout.fake.fail("file_upload", status=500, times=-1)
    shout.clock.set(MONDAY_9AM)
    assert shout.metbot.roundups.sweep(shout.clock()).posted == 1
    [post] = roundup_posts(shout)
    assert image_blocks(post) == []
    text = message_to_text(post)
    assert "1 referral given in the team this week" in text
    assert "The team's follow-up and response rates, by week" in text  # the chart's alt text instead


def test_a_retried_roundup_is_posted_and_uploaded_once(shout: OfflineBot) -> None:
    a_week_of_networking(shout)
    shout.fake.fail("chat.postMessage", status=500, times=1, where=lambda a: a.get("channel") == SHOUT)
    shout.clock.set(MONDAY_9AM)
    assert shout.metbot.roundups.sweep(shout.clock()).failed == 1
    shout.clock.set(datetime(2026, 11, 30, 14, 10, tzinfo=UTC))
    assert shout.metbot.roundups.sweep(shout.clock()).posted == 1
    assert shout.metbot.roundups.sweep(shout.clock()).posted == 0

    [post] = roundup_posts(shout)
    [block] = image_blocks(post)
    charts = [f for f in shout.fake.uploads().values() if f.name.startswith("roundup")]
    assert [f.file_id for f in charts] == [block["slack_file"]["id"]]


def test_a_refused_image_block_still_posts_the_roundup_as_text(shout: OfflineBot) -> None:
    a_week_of_networking(shout)
    shout.fake.fail(
        "chat.postMessage", error="invalid_blocks", times=1, where=lambda a: a.get("channel") == SHOUT
    )
    shout.clock.set(MONDAY_9AM)
    assert shout.metbot.roundups.sweep(shout.clock()).posted == 1
    [post] = roundup_posts(shout)
    assert image_blocks(post) == []
    assert "The team's follow-up and response rates, by week" in message_to_text(post)


def test_a_small_team_gets_no_chart_of_its_figures(database_url: str) -> None:
    """The default group size (5): one person's rates and reasons would be theirs alone."""
    with slack_bot(database_url, 5) as small:
        small.fake.add_user(ALICE, real_name="Alice Martin")
        a_week_of_networking(small)
        small.clock.set(MONDAY_9AM)
        assert small.metbot.roundups.sweep(small.clock()).posted == 1
        [post] = roundup_posts(small)
        assert image_blocks(post) == []
        assert not [f for f in small.fake.uploads().values() if f.name.startswith("roundup")]
        assert "Not enough people yet" in message_to_text(post)


def test_without_rates_the_chart_is_the_weeks_breakdown_mix() -> None:
    weeks = [Week(date(2026, 11, 23), 0, 0, 0)]
    chart = roundup_chart(weeks, [("too_salesy", 2), ("busy", 1)])
    assert chart is not None and png_size(chart.png) == (WIDTH, HEIGHT)
    assert "I was too focused on the sale 2 times" in chart.alt
    assert roundup_chart(None, None) is None


# --- Teams ----------------------------------------------------------------------------------------------

MEGAN = TeamsUser("00000000-0000-0000-0000-0000000000a1")
TEAM = "19:team@thread.tacv2"
MONDAY_9AM_LA = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


def images(card: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(card, dict):
        if card.get("type") == "Image":
            found.append(card)
        for value in card.values():
            found.extend(images(value))
    elif isinstance(card, list):
        for value in card:
            found.extend(images(value))
    return found


def test_the_teams_roundup_card_carries_the_chart(database_url: str) -> None:
    with OfflineTeamsBot(database_url, START, metbot_min_group=1) as teams:
        assert teams.post(teams.fake.installed(MEGAN, team_id=TEAM))[0] == 200
        for text in (
            "met Sam Lee (Globex) at BNI",
            "met Pat Kim at BNI",
            "referral gave Jane Doe to Bob Smith",
        ):
            assert teams.post(teams.fake.message(MEGAN, text))[0] == 200
        teams.clock.set(MONDAY_9AM_LA)
        assert teams.metbot.roundups.sweep(teams.clock()).posted == 1

        [card] = [
            a["content"]
            for activity in teams.fake.sent(TEAM)
            for a in activity.get("attachments") or []
            if "roundup" in card_to_text(a["content"]).lower()
        ]
        [image] = images(card)
        head, _, data = image["url"].partition(",")
        assert head == "data:image/png;base64"
        assert png_size(base64.b64decode(data)) == (WIDTH, HEIGHT)
        assert "follow-up" in image["altText"]
        text = card_to_text(card)
        assert "1 referral given in the team this week" in text
        for name in NAMES:
            assert name not in text and name not in image["altText"]
