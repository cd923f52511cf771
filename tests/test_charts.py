"""The /met stats and roundup charts: valid PNGs of the size a phone shows well, the figures drawn, and the
same figures as alt text; Slack gets them through files_upload_v2 and a slack_file image block (against
the stand-in), Teams as an Adaptive Card Image with a data URL."""

from __future__ import annotations

import base64
import io
import struct
from datetime import UTC, date, datetime, timedelta

from PIL import Image
from slack_sdk import WebClient

from bot.charts import HEIGHT, WIDTH, Week, breakdown_chart, rates_chart, stats_charts, weekly
from bot.stats import ContactFacts, History
from handlers.slack.charts import post_chart
from handlers.slack.standin import FakeSlack
from handlers.teams.charts import chart_image_element

WEEKS = [
    Week(date(2026, 10, 5) + timedelta(weeks=i), contacts, followed, replied)
    for i, (contacts, followed, replied) in enumerate(
        [(4, 2, 1), (5, 4, 2), (0, 0, 0), (6, 5, 3), (3, 3, 2), (7, 6, 4), (5, 5, 3), (4, 4, 3)]
    )
]
REASONS = [("no_follow_up", 7), ("unclear_expectations", 5), ("busy", 3)]


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the PNG signature."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", png[16:24])


def colours(png: bytes) -> set[tuple[int, int, int]]:
    image = Image.open(io.BytesIO(png))
    image.verify()  # a complete, uncorrupted PNG
    counted = Image.open(io.BytesIO(png)).convert("RGB").getcolors(WIDTH * HEIGHT)
    assert counted is not None
    return {(int(r), int(g), int(b)) for _, (r, g, b) in counted}  # type: ignore[misc]


def has(drawn: set[tuple[int, int, int]], hex_colour: str) -> bool:
    """A colour is drawn (the palette PNG may shift it a few levels)."""
    want = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return any(max(abs(a - b) for a, b in zip(rgb, want, strict=True)) <= 16 for rgb in drawn)


def test_rates_chart_is_a_phone_sized_png_with_both_lines() -> None:
    chart = rates_chart(WEEKS)
    assert png_size(chart.png) == (WIDTH, HEIGHT) == (800, 500)
    drawn = colours(chart.png)
    assert (0x00, 0x72, 0xB2) in drawn and (
        0xE6,
        0x9F,
        0x00,
    ) in drawn  # followed up (blue), responded (orange)
    assert chart.alt.startswith("Your follow-up and response rates, by week — week of 5 Oct: follow-up 50%")
    assert "week of 19 Oct" not in chart.alt  # no contacts that week: a gap, not a zero
    assert chart.alt.endswith("week of 23 Nov: follow-up 100%, response 75%.")


def test_breakdown_chart_uses_the_taxonomy_labels() -> None:
    chart = breakdown_chart(REASONS)
    assert png_size(chart.png) == (800, 500)
    assert has(colours(chart.png), "#56B4E9")  # the bars
    assert chart.alt == (
        "Why connections stalled — I never followed up 7 times; We never agreed a next step 5 times; "
        "They're busy and forgot me 3 times."
    )
    empty = breakdown_chart([])
    assert (
        png_size(empty.png) == (800, 500) and empty.alt == "Why connections stalled: no breakdowns recorded."
    )


def test_stats_charts_skip_an_empty_breakdown_and_name_the_team() -> None:
    assert [c.filename for c in stats_charts(WEEKS, [])] == ["rates.png"]
    team = stats_charts(WEEKS, REASONS, team=True)
    assert [c.alt.split(",")[0].split(" —")[0] for c in team] == [
        "The team's follow-up and response rates",
        "Why the team's connections stalled",
    ]


def test_weekly_figures_from_a_members_history() -> None:
    now = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # a Friday
    met = [now - timedelta(days=d) for d in (0, 1, 8, 8, 30)]
    history = History(
        meetings=tuple(met),
        contacts=(
            ContactFacts(met[0], "know", None, False),
            ContactFacts(met[1], "like", met[1] + timedelta(days=1), True),
            ContactFacts(met[2], "know", met[2] + timedelta(days=1), False),
            ContactFacts(met[3], "know", None, False),
            ContactFacts(met[4], "know", None, False),  # five weeks ago: outside four weeks
        ),
        breakdowns=(),
    )
    weeks = weekly(history, now, weeks=4, timezone="America/New_York")
    assert [w.start for w in weeks] == [
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 23),
    ]
    assert [(w.contacts, w.followed_up, w.replied) for w in weeks] == [
        (0, 0, 0),
        (0, 0, 0),
        (2, 1, 0),
        (2, 1, 1),
    ]
    assert (
        weeks[-1].follow_up_rate == 0.5 and weeks[-1].response_rate == 1.0 and weeks[0].response_rate is None
    )


def test_slack_uploads_the_chart_and_shows_it_in_an_image_block() -> None:
    chart = rates_chart(WEEKS)
    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        blocks = post_chart(
            client, "D0ALICE", chart.png, chart.alt, title="Your follow-up and response rates"
        )
        [(file_id, uploaded)] = fake.uploads().items()
        assert fake.uploaded_files()[file_id] == chart.png
        assert uploaded.channel_id is None  # not shared as a file message of its own
        assert blocks[0] == {
            "type": "image",
            "slack_file": {"id": file_id},
            "alt_text": chart.alt,
            "title": {"type": "plain_text", "text": "Your follow-up and response rates"},
        }
        posted = fake.last("chat.postMessage").args
        assert posted["channel"] == "D0ALICE" and posted["blocks"] == blocks
        assert posted["text"] == chart.alt  # the notification and screen-reader text


def test_teams_gets_an_adaptive_card_image_with_a_data_url() -> None:
    chart = breakdown_chart(REASONS)
    element = chart_image_element(chart.png, chart.alt)
    assert element["type"] == "Image" and element["altText"] == chart.alt
    assert element["url"].startswith("data:image/png;base64,")
    assert base64.b64decode(element["url"].split(",", 1)[1]) == chart.png
    assert element["size"] == "Stretch"


def test_slack_falls_back_to_the_figures_as_text_when_the_upload_fails() -> None:
    chart = breakdown_chart(REASONS)
    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        fake.fail("files.getUploadURLExternal", error="not_allowed_token_type")
        blocks = post_chart(client, "C0WINS", chart.png, chart.alt, pause=lambda _: None)
        assert blocks == [{"type": "section", "text": {"type": "plain_text", "text": chart.alt}}]
        assert fake.last("chat.postMessage").args["blocks"] == blocks
        assert fake.uploads() == {}


def test_slack_sends_the_figures_as_text_when_the_image_block_is_refused() -> None:
    chart = rates_chart(WEEKS)
    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        fake.fail("chat.postMessage", error="invalid_blocks")  # the file not processed yet, say
        blocks = post_chart(client, "D0ALICE", chart.png, chart.alt, pause=lambda _: None)
        assert blocks == [{"type": "section", "text": {"type": "plain_text", "text": chart.alt}}]
        refused, sent = fake.calls_to("chat.postMessage")
        assert refused.args["blocks"][0]["type"] == "image" and not refused.ok
        assert sent.ok and sent.args["blocks"] == blocks
