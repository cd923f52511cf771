"""Referrals given and received: the `/referral` grammar, the form, the replies, the shoutouts, mutual value.

Pure: plain values in, platform-neutral results out. Teammates are `Person`s with a platform user id (the
renderer mentions them); people outside the workspace are just names.

    /referral <@U…> introduced me to Sam Lee at Globex     received from a teammate
    /referral Bob Smith introduced me to Sam Lee (Globex)  received from someone outside
    /referral gave Jane Doe to <@U…>                       given to a teammate
    /referral gave Jane Doe (Acme) to Bob Smith; note: …   given to someone outside
    /referral private …                                    recorded, no shoutout
    /referral name them Bob Smith introduced me to Sam Lee the shoutout may name Bob Smith (outside the team)
    /referral Jane Doe referred me to her CFO              her CFO is unnamed: no contact is invented
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.parsing import Problem, name_key, typed_text
from bot.results import Button, Form, FormErrors, Input, Person, Place, Reply, Section

Direction = Literal["given", "received"]
OUTCOMES: tuple[tuple[str, str], ...] = (
    ("open", "Open"),
    ("met", "They met"),
    ("closed", "Closed business"),
    ("no_deal", "No deal"),
)
OUTCOME_LABEL = dict(OUTCOMES)
LIMITS = {"name": 120, "company": 120, "note": 1000, "value": 64}
MAX_TEXT = 2500

EXAMPLES = (
    "/referral @Bob introduced me to Sam Lee at Globex",
    "/referral gave Jane Doe to @Bob",
    "/referral gave Jane Doe (Acme) to Bob Smith; note: needs a new printer",
    "/referral Bob Smith introduced me to Sam Lee",
    "/referral Jane Doe referred me to her CFO",
    "/referral private gave Jane Doe to @Bob   (recorded without a shoutout)",
    "/referral name them gave Jane Doe to Bob Smith   (the shoutout may name Bob Smith)",
)


@dataclass(frozen=True)
class Other:
    """The other end of a referral: a teammate (platform user id) or someone outside (a name)."""

    user: str | None = None
    name: str | None = None
    company: str | None = None
    label: str | None = None  # the name the mention showed, a fallback for the display name


@dataclass(frozen=True)
class ReferralDraft:
    """A referral as the acting user described it: they gave it to `other`, or received it from `other`."""

    direction: Direction
    other: Other
    referred: str
    company: str | None = None
    note: str | None = None
    private: bool = False
    name_them: bool = False  # the user asked for the person outside the team to be named in the shoutout

    @property
    def unnamed(self) -> bool:
        """ "her CFO", "a friend of his": someone described, not named; no contact is made for them."""
        return is_unnamed(self.referred)


# --- the grammar --------------------------------------------------------------------------------

_ESCAPES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_PRIVATE = re.compile(r"^(?:private(?:ly)?|quietly)\b[\s:,-]*", re.IGNORECASE)
_NAME_THEM = re.compile(r"^(?:name\s+them|named)\b[\s:,-]*", re.IGNORECASE)
_NAME_THEM_PART = re.compile(r"^(?:name\s+them|name\s+them\s+in\s+the\s+shoutout)$", re.IGNORECASE)
# "her CFO", "their accountant", "a friend of his", "someone at Globex": a description, not a name. "A"/"an" count
# only before a lower-case word, so a name such as "An Nguyen" is still a name.
_UNNAMED = re.compile(
    r"^(?:(?i:his|her|their|my|our|your|its|the|someone|somebody|one\s+of)\b|(?i:an?)\s+[a-z])"
)
_NOTE_KEY = re.compile(r"^(?:notes?|why|context)\s*:\s*", re.IGNORECASE)
_MYSELF = {"me", "myself", "i", "i'm", "us"}

_INTRO_VERB = r"(?:introduced|intro'?d|introduces|referred|refers|connected|put)"
_GIVE_VERB = r"(?:gave|give|sent|send|passed|passes)"
# received: "<giver> introduced me to <referred>", "<giver> gave me <referred>",
# "<giver> referred <referred> to me", "got/received <referred> from <giver>"
_RECEIVED = (
    re.compile(rf"^(?P<other>.+?)\s+{_INTRO_VERB}\s+me\s+(?:to|with)\s+(?P<referred>.+)$", re.IGNORECASE),
    re.compile(
        rf"^(?P<other>.+?)\s+{_GIVE_VERB}\s+me\s+(?:a\s+referral\s*(?:to|for|:)?\s*)?(?P<referred>.+)$",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^(?P<other>.+?)\s+(?:{_INTRO_VERB}|{_GIVE_VERB})\s+(?P<referred>.+?)\s+to\s+me$", re.IGNORECASE
    ),
    re.compile(
        r"^(?:i\s+)?(?:got|received|was\s+given)\s+(?:a\s+referral\s*(?:to|for|:)?\s*)?"
        r"(?P<referred>.+)\s+from\s+(?P<other>.+?)$",
        re.IGNORECASE,
    ),
)
# given: "gave <referred> to <receiver>", "I introduced <referred> to <receiver>"
_GIVEN = (
    re.compile(
        rf"^(?:i\s+)?(?:{_GIVE_VERB}|{_INTRO_VERB})\s+(?P<referred>.+)\s+to\s+(?P<other>.+?)$", re.IGNORECASE
    ),
)


def _clean(value: str) -> str:
    """One tidy line: control characters dropped, whitespace squashed, stray separators trimmed."""
    kept = "".join(ch if ch.isprintable() else " " for ch in value)
    return " ".join(kept.split()).strip(" ,;:-–—").strip()


def _split_company(person: str) -> tuple[str, str | None]:
    """ "Sam Lee (Globex)", "Sam Lee at Globex", "Sam Lee from Globex" or "Sam Lee, Globex"."""
    m = re.match(r"^(?P<name>[^()]+?)\s*\((?P<company>[^()]*)\)?\s*$", person)
    if m is not None and "(" in person:
        return m["name"], m["company"]
    m = re.match(r"^(?P<name>.+?)\s+(?:at|from|of|@)\s+(?P<company>.+)$", person, re.IGNORECASE)
    if m is not None:
        return m["name"], m["company"]
    if "," in person:
        name, _, company = person.partition(",")
        return name, company
    return person, None


def _mentioned(text: str, mentions: Sequence[Person]) -> Person | None:
    """The teammate `text` names by mention alone ("@Bob Lee"), if it is exactly that."""
    wanted = " ".join(text.split())
    return next((p for p in mentions if p.user and wanted == "@" + p.name), None)


def _mentions_in(text: str, mentions: Sequence[Person]) -> bool:
    return any(p.user and "@" + p.name in text for p in mentions)


def _other(text: str, me: str, mentions: Sequence[Person]) -> Other | Problem:
    text = text.strip()
    person = _mentioned(text, mentions)
    if person is not None:
        if person.user == me:
            return Problem("other", "That's you: name the teammate on the other end of the referral.")
        return Other(user=person.user, label=person.name)
    if _mentions_in(text, mentions):
        return Problem("other", "Name one person on the other end of the referral, on their own.")
    name, company = _split_company(text)
    name = _clean(name)
    if name.startswith("@"):
        return Problem(
            "other",
            f"I couldn't tell who {name} is: pick the teammate from the @ autocomplete, "
            "or type their full name if they're not on the team.",
        )
    if not name or name.lower() in _MYSELF:
        return Problem("other", "Who was on the other end? Name the teammate with @, or type their name.")
    return Other(name=name, company=_clean(company or "") or None)


def is_unnamed(referred: str) -> bool:
    """Someone described rather than named ("her CFO", "a friend", "the owner"): recorded, never a contact."""
    return _UNNAMED.match(referred.strip()) is not None


def _too_long(value: str | None, key: str, what: str) -> Problem | None:
    if value and len(value) > LIMITS[key]:
        return Problem(key, f"{what} is too long: please keep it under {LIMITS[key]} characters.")
    return None


def parse_referral(text: str, *, me: str, mentions: Sequence[Person] = ()) -> ReferralDraft | Problem:
    """Read `/referral <text>` (plain: a teammate appears as "@Name", with a `Person` in `mentions`);
    `me` is the acting user's platform id, so a mention of themselves is caught."""
    text = typed_text(text)
    for escaped, plain in _ESCAPES:
        text = text.replace(escaped, plain)
    if len(text) > MAX_TEXT:
        return Problem("text", f"That's a lot of text: please keep a referral under {MAX_TEXT} characters.")
    text = text.replace("\n", ";").strip()
    private = name_them = False
    for _ in range(2):  # "private" and "name them", in either order
        m = _PRIVATE.match(text)
        if m is not None:
            private, text = True, text[m.end() :]
        m = _NAME_THEM.match(text)
        if m is not None:
            name_them, text = True, text[m.end() :]
    head, _, rest = text.partition(";")
    parts = [part.strip() for part in rest.split(";")]
    name_them = name_them or any(_NAME_THEM_PART.match(p) for p in parts)
    notes = [_NOTE_KEY.sub("", p).strip() for p in parts if not _NAME_THEM_PART.match(p)]
    note = "; ".join(n for n in notes if n) or None
    head = " ".join(head.split())
    if not head:
        return Problem("text", "Tell me who gave the referral, who received it, and who was referred.")
    direction: Direction | None = None
    found: re.Match[str] | None = None
    for pattern in _RECEIVED:
        found = pattern.match(head)
        if found is not None:
            direction = "received"
            break
    else:
        for pattern in _GIVEN:
            found = pattern.match(head)
            if found is not None:
                direction = "given"
                break
    if found is None or direction is None:
        return Problem("text", "I couldn't tell who gave the referral and who received it.")
    other = _other(found["other"], me, mentions)
    if isinstance(other, Problem):
        return other
    if _mentions_in(found["referred"], mentions):
        return Problem(
            "referred", "The person referred is usually outside the team: type their name, not a mention."
        )
    referred, company = _split_company(found["referred"])
    referred, company = _clean(referred), _clean(company or "") or None
    if not referred or referred.lower() in _MYSELF:
        return Problem("referred", "Who was referred? Add their name.")
    if other.name and name_key(other.name) == name_key(referred):
        return Problem(
            "referred", f"{referred} can't be both the one referred and the other end of the referral."
        )
    for problem in (
        _too_long(referred, "name", "The name"),
        _too_long(other.name, "name", "The name"),
        _too_long(company, "company", "The company"),
        _too_long(other.company, "company", "The company"),
        _too_long(note, "note", "The note"),
    ):
        if problem is not None:
            return problem
    return ReferralDraft(
        direction=direction,
        other=other,
        referred=referred,
        company=company,
        note=note,
        private=private,
        name_them=name_them,
    )


def problem_reply(problem: Problem) -> Reply:
    examples = "\n".join(EXAMPLES)
    return Reply(
        headline=problem.message,
        sections=(
            Section(text=problem.message),
            Section(note=f"For example:\n{examples}\nOr type /referral on its own for a form."),
        ),
    )


def help_reply() -> Reply:
    return Reply(
        headline="How to use /referral",
        sections=(
            Section(title="Record a referral", text="\n".join(EXAMPLES)),
            Section(title="A form instead", text="/referral on its own opens a form."),
            Section(
                title="Afterwards",
                text="Mark what came of it — they met, closed business (with its value) or no deal — "
                "from the buttons on the confirmation.",
            ),
            Section(
                title="Shoutouts",
                text="Each referral, and each closed business, is celebrated in the team channel unless "
                "you say private. Shoutouts name teammates only: someone outside the team is named only "
                "when you start with name them (/referral name them Bob Smith introduced me to Sam Lee) "
                "or pick it in the form. An admin picks the channel with /met config channel #name.",
            ),
            Section(
                title="Someone you haven't met yet",
                text="/referral Jane Doe referred me to her CFO records Jane Doe as the giver and her CFO "
                "as unnamed: no contact is made until you log the meeting with /met.",
            ),
            Section(
                title="Why",
                text="Exchanging referrals is how relationships reach Trust. Give first, and keep it "
                "two-way.",
            ),
        ),
    )


# --- the form -----------------------------------------------------------------------------------

FORM_ID = "referral_form"
VALUE_FORM_ID = "referral_value_form"
DIRECTIONS = (("given", "I gave a referral"), ("received", "I received a referral"))
SHARING = (
    ("team", "Celebrate it in the team channel"),
    ("team_named", "Celebrate it, and name them in the shoutout"),
    ("private", "Keep it private"),
)


def referral_form() -> Form:
    return Form(
        id=FORM_ID,
        title="Record a referral",
        submit="Save",
        intro="Who gave it, who received it, and who was referred. Name the other person either way.",
        inputs=(
            Input("direction", "Which way", kind="choice", options=DIRECTIONS, value="given", optional=False),
            Input(
                "teammate",
                "The other person, if they're a teammate",
                kind="user",
                placeholder="Pick a teammate",
                hint="Who you gave it to, or who gave it to you.",
            ),
            Input(
                "other_name",
                "…or their name, if they're not on the team",
                placeholder="Bob Smith",
                max_length=LIMITS["name"],
            ),
            Input(
                "referred",
                "Who was referred",
                optional=False,
                placeholder="Jane Doe",
                max_length=LIMITS["name"],
            ),
            Input("company", "Their company", placeholder="Acme Corp", max_length=LIMITS["company"]),
            Input(
                "note", "Note", kind="long_text", placeholder="Needs a new printer", max_length=LIMITS["note"]
            ),
            Input("share", "Shoutout", kind="choice", options=SHARING, value="team", optional=False),
        ),
    )


def _text_value(values: dict[str, object], key: str) -> str | None:
    value = values.get(key)
    return _clean(value) or None if isinstance(value, str) else None


def read_form(values: dict[str, object], *, me: str) -> ReferralDraft | FormErrors:
    """Validate a submitted referral form: every problem is reported on its own field."""
    errors: dict[str, str] = {}
    direction = values.get("direction")
    if direction not in dict(DIRECTIONS):
        errors["direction"] = "Did you give the referral or receive it?"
    raw_teammate = values.get("teammate")
    teammate = raw_teammate if isinstance(raw_teammate, str) else None
    other_name = _text_value(values, "other_name")
    referred = _text_value(values, "referred")
    company = _text_value(values, "company")
    note_raw = values.get("note")
    note = typed_text(note_raw).strip() or None if isinstance(note_raw, str) else None
    if teammate and other_name:
        errors["other_name"] = "Pick a teammate or type a name, not both."
    elif not teammate and not other_name:
        errors["other_name"] = "Who was on the other end? Pick a teammate above, or type their name here."
    if teammate == me:
        errors["teammate"] = "That's you: pick who you gave it to, or who gave it to you."
    if not referred:
        errors["referred"] = "Who was referred? A name is needed."
    elif other_name and name_key(other_name) == name_key(referred):
        errors["referred"] = "They can't be both the one referred and the other end of the referral."
    for key, value, limit in (
        ("other_name", other_name, LIMITS["name"]),
        ("referred", referred, LIMITS["name"]),
        ("company", company, LIMITS["company"]),
        ("note", note, LIMITS["note"]),
    ):
        if value and len(value) > limit and key not in errors:
            errors[key] = f"Please keep this under {limit} characters (it has {len(value)})."
    share = values.get("share")
    if share is not None and share not in dict(SHARING):
        errors["share"] = "Please pick one of the options."
    if errors:
        return FormErrors(errors)
    return ReferralDraft(
        direction="received" if direction == "received" else "given",
        other=Other(user=teammate) if teammate else Other(name=other_name),
        referred=referred or "",
        company=company,
        note=note,
        private=share == "private",
        name_them=share == "team_named",
    )


def value_form(referral_id: int, value: str | None = None) -> Form:
    return Form(
        id=VALUE_FORM_ID,
        title="Closed business",
        submit="Save",
        context=json.dumps({"referral_id": referral_id}, separators=(",", ":")),
        intro="Wonderful! What was it worth? Leave it empty if you'd rather not say.",
        inputs=(Input("value", "Value", value=value, placeholder="$5,000", max_length=LIMITS["value"]),),
    )


def read_value_context(context: str) -> int | None:
    try:
        data = json.loads(context or "{}")
    except ValueError:
        return None
    referral_id = data.get("referral_id") if isinstance(data, dict) else None
    return referral_id if isinstance(referral_id, int) and not isinstance(referral_id, bool) else None


def read_value(values: dict[str, object]) -> str | FormErrors | None:
    value = _text_value(values, "value")
    if value and len(value) > LIMITS["value"]:
        return FormErrors({"value": f"Please keep this under {LIMITS['value']} characters."})
    return value


# --- replies ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """What recording a referral did, for the reply."""

    referral_id: int
    draft: ReferralDraft
    other: Person  # the teammate (mentioned) or outside person on the other end
    outcome: str = "open"
    value: str | None = None
    channel: str | None = None  # where the shoutout goes; None when no team channel is set
    trust: str | None = None  # the contact who moved to Trust, by name
    given: int = 0  # with the other person, when they are a contact: referrals given to them so far
    received: int = 0  # … and received from them


def item_key(referral_id: int) -> str:
    return f"r{referral_id}"


def outcome_buttons(referral_id: int, outcome: str) -> tuple[Button, ...]:
    return tuple(
        Button(
            "referral.outcome", label, f"{referral_id}:{key}", style="primary" if key == "closed" else None
        )
        for key, label in OUTCOMES
        if key != outcome
    )


def _who(referred: str, company: str | None) -> str:
    return referred + (f" ({company})" if company else "")


def outcome_section(
    referral_id: int,
    *,
    direction: str,
    other: Person,
    referred: str,
    company: str | None,
    outcome: str,
    value: str | None,
    note: str | None = None,
) -> Section:
    """The part of the confirmation that the outcome buttons update in place."""
    if direction == "given":
        said: tuple[str | Person | Place, ...] = ("You gave ", _who(referred, company), " to ", other, ".")
    elif is_unnamed(referred):
        said = (other, " referred you to ", _who(referred, company), ".")
    else:
        said = (other, " gave you ", _who(referred, company), ".")
    state = OUTCOME_LABEL.get(outcome, outcome) + (f": {value}" if outcome == "closed" and value else "")
    fields: list[tuple[str, str]] = [("Outcome", state)]
    if note:
        fields.append(("Note", note))
    return Section(
        key=item_key(referral_id),
        said=said,
        fields=tuple(fields),
        buttons=outcome_buttons(referral_id, outcome),
        note="What came of it? Update it any time.",
    )


def recorded_reply(recorded: Recorded) -> Reply:
    d = recorded.draft
    if d.direction == "given":
        verb = f"you gave {d.referred} to {recorded.other.name}"
    elif d.unnamed:
        verb = f"{recorded.other.name} referred you to {d.referred}"
    else:
        verb = f"{recorded.other.name} gave you {d.referred}"
    headline = f"Referral recorded: {verb}."
    sections = [
        Section(title="Referral recorded"),
        outcome_section(
            recorded.referral_id,
            direction=d.direction,
            other=recorded.other,
            referred=d.referred,
            company=d.company,
            outcome=recorded.outcome,
            value=recorded.value,
            note=d.note,
        ),
    ]
    if d.direction == "given":
        sections.append(
            Section(
                text="That's leading with generosity. Follow up with both of them in a few "
                "days to make sure the introduction landed."
            )
        )
    elif d.unnamed:
        sections.append(
            Section(
                text=f"Say thank you, and ask {recorded.other.name} for an introduction to {d.referred} this "
                "week: a referral goes cold fast. Once you've met, log it with /met and I'll remind you to "
                "follow up."
            )
        )
    else:
        sections.append(
            Section(
                text=f"Say thank you, and follow up with {d.referred} tomorrow: a referral "
                "goes cold fast. Then look for one to give back."
            )
        )
    if recorded.trust:
        sections.append(
            Section(
                text=f"🤝 {recorded.trust} is now at Trust: referrals exchanged are where business happens."
            )
        )
    flag = balance_note(recorded.given, recorded.received)
    if flag:
        sections.append(Section(text=f"{recorded.other.name}: {flag}"))
    if d.private:
        sections.append(Section(note="Private: no shoutout in the team channel."))
    elif recorded.channel:
        outside = not recorded.other.user
        whom = (
            f" It names {recorded.other.name}, as you asked."
            if outside and d.name_them
            else " It names teammates only: start with name them to include someone outside the team."
            if outside
            else ""
        )
        sections.append(
            Section(said=("🎉 A shoutout for the team goes to ", Place(recorded.channel), "." + whom))
        )
    else:
        sections.append(
            Section(
                note="No team channel is set for shoutouts yet: a workspace admin can pick "
                "one with /met config channel #name."
            )
        )
    return Reply(headline=headline, sections=tuple(sections))


def save_failed_reply() -> Reply:
    message = (
        "Sorry, I couldn't save that referral just now. Nothing was changed; please try again in a moment."
    )
    return Reply(headline=message, sections=(Section(text=message),))


# --- shoutouts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shoutout:
    """A message for the team channel about one referral (new, or closed business)."""

    referral_id: int
    channel: str
    reply: Reply


def shoutout_reply(
    *, giver: Person, receiver: Person, outcome: str, value: str | None, name_them: bool = False
) -> Reply:
    """The warm message for the team channel. It names teammates, never who was referred, and someone outside
    the team only when the user asked for them to be named."""
    giver = _shown(giver, name_them, "one of their contacts")
    receiver = _shown(receiver, name_them, "one of their contacts")
    if outcome == "closed":
        worth = f" worth {value}" if value else ""
        headline = (
            f"💰 Closed business: {giver.name}'s referral to {receiver.name} turned into business{worth}"
        )
        thanks: tuple[str | Person | Place, ...] = (
            ("thank you, ", giver, "!") if giver.user else ("well done, ", receiver, "!")
        )
        said: tuple[str | Person | Place, ...] = (
            "💰 Closed business! ",
            *((giver, "'s referral to ") if giver.user or name_them else ("A referral to ",)),
            receiver,
            f" turned into business{worth}. That's what Trust looks like — ",
            *thanks,
        )
        return Reply(headline=headline, sections=(Section(said=said),))
    if giver.user and not receiver.user and not name_them:
        headline = f"🎉 {giver.name} gave a referral to one of their contacts"
        said = (
            "🎉 ",
            giver,
            " gave a referral to one of their contacts. Thank you for leading with generosity, ",
            giver,
            "!",
        )
    elif giver.user:
        headline = f"🎉 {giver.name} gave {receiver.name} a referral"
        said = (
            "🎉 ",
            giver,
            " gave ",
            receiver,
            " a referral. Thank you for leading with generosity, ",
            giver,
            "!",
        )
    elif name_them:
        headline = f"🎉 {giver.name} gave {receiver.name} a referral"
        said = (
            "🎉 ",
            giver,
            " gave ",
            receiver,
            " a referral: that's a relationship at Trust. Nice work, ",
            receiver,
            "!",
        )
    else:
        headline = f"🎉 {receiver.name} received a referral from one of their contacts"
        said = (
            "🎉 ",
            receiver,
            " received a referral from one of their contacts: that's a relationship at Trust. Nice work, ",
            receiver,
            "!",
        )
    return Reply(headline=headline, sections=(Section(said=said),))


def _shown(person: Person, name_them: bool, instead: str) -> Person:
    """A teammate as themselves; someone outside the team by name only when the user said so."""
    if person.user or name_them:
        return person
    return Person(instead)


# --- mutual value -------------------------------------------------------------------------------


def one_sided(given: int, received: int) -> bool:
    """At least two one way and at most a third of that the other way."""
    big, small = max(given, received), min(given, received)
    return big >= 2 and small * 3 <= big


def balance_note(given: int, received: int) -> str | None:
    """A nudge when a relationship is one-sided either way; None when it is balanced (or quiet)."""
    if not one_sided(given, received):
        return None
    if given > received:
        return f"You've given {given}, received {received}: ask what a good referral for you looks like."
    return f"They've given {received}, you {given}: look for one to give back."


def balance_label(given: int, received: int) -> str:
    return f"given {given} · received {received}"


# --- met config channel ----------------------------------------------------------------------


def config_reply(channel: str | None, *, default: str | None, changed: bool) -> Reply:
    if channel:
        lead = (
            "Done: shoutouts and the weekly roundup will go to "
            if changed
            else "Shoutouts and the weekly roundup go to "
        )
        said: tuple[str | Person | Place, ...] = (lead, Place(channel), ".")
        note = "Invite me there with /invite @metbot if I'm not in it yet."
    elif default:
        said = ("Shoutouts go to the default channel, ", Place(default), ".")
        note = "An admin can pick another with /met config channel #name."
    else:
        said = ("No shoutout channel is set, so referrals are recorded without a shoutout.",)
        note = "An admin can pick one with /met config channel #name."
    headline = "Shoutout channel updated" if changed else "Shoutout settings"
    return Reply(headline=headline, sections=(Section(said=said, note=note),))


NOT_ADMIN = (
    "Only a workspace admin or owner can choose the shoutout channel. Ask one of them to run "
    "/met config channel #name."
)
