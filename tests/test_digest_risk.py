"""The digest shows the riskiest contacts first (the cold-risk estimate), over HTTP with a real sweep."""

from __future__ import annotations

from datetime import date

from handlers.slack.offline import OfflineBot
from handlers.slack.standin import message_to_text
from tests.test_digests import ALICE_DM, SAT, at, met, posts, sweep_at

# Logged first, so due order alone would show her first: a next step she owns, a strong connection, an offer.
SAFE = "Ann Safe at BNI breakfast; next step: send her the deck; offer: intro to Sam; connection: strong"
RISKY = "Ray Risky at a mixer; connection: weak"


def test_the_riskiest_contact_comes_first_in_the_digest(bot: OfflineBot) -> None:
    met(bot, SAFE)
    met(bot, RISKY)
    sweep_at(bot, at(SAT, 9, 1))
    [digest] = posts(bot, ALICE_DM)
    text = message_to_text(digest.args)
    assert text.index("Ray Risky") < text.index("Ann Safe")


def test_equal_risks_keep_the_oldest_due_first() -> None:
    from bot.digest import DueContact, shown_items

    def due(contact_id: int, day: int, risk: float) -> DueContact:
        return DueContact(
            contact_id, f"C{contact_id}", None, "due", date(2026, 12, day), 0, 0, "know", None, risk=risk
        )

    items = [due(1, 3, 0.2), due(2, 1, 0.2), due(3, 2, 0.7)]
    assert [i.contact_id for i in shown_items(items, today=date(2026, 12, 4))] == [3, 2, 1]
