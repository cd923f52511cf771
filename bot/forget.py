"""`/met forget <name>` and `/met forget me`: say exactly what would go, ask once, then it's gone. Pure."""

from __future__ import annotations

from bot.results import Button, Reply, Section
from store.data import Footprint

USAGE = (
    "/met forget Jane Doe deletes one contact with all their meetings and follow-ups; "
    "/met forget me deletes everything I store about you. Both ask you to confirm first."
)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _rows(f: Footprint) -> str:
    return ", ".join(
        (_count(f.meetings, "meeting"), _count(f.follow_ups, "follow-up"), _count(f.breakdowns, "breakdown"))
    )


def usage_reply() -> Reply:
    return Reply(headline="What should I forget?", sections=(Section(text=USAGE),))


def no_match_reply(name: str) -> Reply:
    text = f"I don't have a contact called {name}. /met list shows who I know."
    return Reply(headline=text, sections=(Section(text=text),))


def _label(name: str, company: str | None) -> str:
    return name + (f" ({company})" if company else "")


def confirm_contact_reply(contact_id: int, footprint: Footprint, company: str | None) -> Reply:
    who = _label(footprint.name or "this contact", company)
    headline = f"Forget {who}?"
    return Reply(
        headline=headline,
        sections=(
            Section(
                title=headline,
                text=f"This deletes the contact and everything about them — {_rows(footprint)} — for good. "
                "It can't be undone.",
                buttons=(
                    Button(
                        "forget.contact",
                        f"Forget {footprint.name or 'them'}",
                        str(contact_id),
                        style="danger",
                    ),
                    Button("forget.cancel", "Cancel", str(contact_id)),
                ),
            ),
        ),
    )


def pick_contact_reply(name: str, matches: list[tuple[int, str, str | None]]) -> Reply:
    headline = f"I don't have a contact called exactly {name}. Did you mean one of these?"
    sections = [Section(title=headline)]
    sections.extend(
        Section(text=_label(n, company), buttons=(Button("forget.pick", "Forget…", str(cid)),))
        for cid, n, company in matches
    )
    return Reply(headline=headline, sections=tuple(sections))


def forgot_contact_reply(name: str) -> Reply:
    text = f"🗑️ Forgot {name}: the contact and all their meetings, follow-ups and breakdowns are deleted."
    return Reply(headline=text, sections=(Section(text=text),), replace_original=True)


def confirm_me_reply(member_id: int, footprint: Footprint) -> Reply:
    headline = "Delete everything I store about you?"
    text = (
        f"This deletes your {_count(footprint.contacts, 'contact')}, {_rows(footprint)}, your digests and "
        "your settings, for good. It can't be undone: /met export first if you want a copy."
    )
    return Reply(
        headline=headline,
        sections=(
            Section(
                title=headline,
                text=text,
                buttons=(
                    Button("forget.me", "Delete all my data", str(member_id), style="danger"),
                    Button("forget.cancel", "Cancel", str(member_id)),
                ),
            ),
        ),
    )


def forgot_me_reply() -> Reply:
    text = "🗑️ Done: everything I stored about you is deleted. If you use /met again, I'll start from scratch."
    return Reply(headline=text, sections=(Section(text=text),), replace_original=True)


def nothing_stored_reply() -> Reply:
    text = "I don't store anything about you."
    return Reply(headline=text, sections=(Section(text=text),), replace_original=True)


def cancelled_reply() -> Reply:
    text = "OK, I deleted nothing."
    return Reply(headline=text, sections=(Section(text=text),), replace_original=True)
