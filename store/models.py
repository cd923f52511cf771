"""SQLAlchemy 2.0 typed models. Nothing here knows about Slack: a person is (platform, workspace, user)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Workspace(Base):
    """A Slack team (or, later, a Teams tenant)."""

    __tablename__ = "workspace"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), default="slack")
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    shoutout_channel: Mapped[str | None] = mapped_column(String(400))
    default_channel: Mapped[str | None] = mapped_column(String(400))  # Teams: the team's General channel
    service_url: Mapped[str | None] = mapped_column(String(500))  # Teams: the team's connector endpoint
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Member(Base):
    """A person using the bot; where to DM them is stored beside them (the edge's business)."""

    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("workspace_id", "user_id"),
        Index("ix_member_next_digest_at", "next_digest_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    digest_hour: Mapped[int] = mapped_column(Integer, default=9)
    dm_channel: Mapped[str | None] = mapped_column(
        String(400)
    )  # Slack: the DM id; Teams: the 1:1 conversation id
    service_url: Mapped[str | None] = mapped_column(
        String(500)
    )  # Teams: where this member's activities come from
    locale: Mapped[str | None] = mapped_column(String(35))  # BCP 47, e.g. en-GB: the member's date order
    work_days: Mapped[str] = mapped_column(String(7), default="12345", server_default="12345")  # ISO weekdays
    next_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    home_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # App Home refreshes only once seen
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    workspace: Mapped[Workspace] = relationship(lazy="joined")


class Contact(Base):
    """Someone a member met. The follow-up state lives here so "what is due" is one indexed lookup."""

    __tablename__ = "contact"
    __table_args__ = (
        UniqueConstraint("member_id", "name_key"),
        Index("ix_contact_member_due", "member_id", "due_on"),
        Index("ix_contact_member_touch", "member_id", "last_touch_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    title: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(500))
    rhythm_days: Mapped[int | None] = mapped_column(Integer)  # keep in touch every N days; None: by stage
    linked_user_id: Mapped[str | None] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(16), default="know")
    # follow-up state: phase is follow_up | await_reply | check_in | classify | cold | closed
    phase: Mapped[str] = mapped_column(String(16), default="follow_up")
    due_on: Mapped[date | None] = mapped_column(Date)
    nudges: Mapped[int] = mapped_column(Integer, default=0)
    asks: Mapped[int] = mapped_column(Integer, default=0)
    snooze_note: Mapped[str | None] = mapped_column(String(200))
    last_touch_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="contact",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Meeting.met_at",
    )


class Meeting(Base):
    """One conversation with a contact: what was agreed, who owns it, what I can offer."""

    __tablename__ = "meeting"
    __table_args__ = (
        Index("ix_meeting_member_created", "member_id", "created_at"),
        Index("ix_meeting_contact", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    event: Mapped[str | None] = mapped_column(String(200))
    met_on: Mapped[date] = mapped_column(Date)
    met_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(String(500))
    next_step_owner: Mapped[str | None] = mapped_column(String(8))
    next_step_due: Mapped[date | None] = mapped_column(Date)
    offer: Mapped[str | None] = mapped_column(String(500))
    offer_kind: Mapped[str | None] = mapped_column(String(16))
    connection: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    contact: Mapped[Contact] = relationship(back_populates="meetings")


class FollowUp(Base):
    """The log of every touch and answer: the timeline the stats are computed from."""

    __tablename__ = "follow_up"
    __table_args__ = (
        Index("ix_follow_up_member_at", "member_id", "at"),
        Index("ix_follow_up_contact", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    # met | followed_up | snoozed | replied | not_yet | no_reply | cold | checked_in
    # | gave_referral | got_referral (a referral to or from this contact)
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Breakdown(Base):
    """Why a relationship stalled, from the taxonomy's stable keys."""

    __tablename__ = "breakdown"
    __table_args__ = (
        Index("ix_breakdown_member_at", "member_id", "at"),
        Index("ix_breakdown_contact", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Digest(Base):
    """The outbox: one row per member per local day is what makes a digest go out exactly once."""

    __tablename__ = "digest"
    __table_args__ = (
        UniqueConstraint("member_id", "day"),
        Index("ix_digest_status_lease", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    # pending | claimed | sent | skipped
    status: Mapped[str] = mapped_column(String(16), default="pending")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str | None] = mapped_column(String(64))
    ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboxItem(Base):
    """A request acknowledged to the platform: kept until its effect and its reply are done (once)."""

    __tablename__ = "inbox_item"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_inbox_item_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))  # recognises the platform's retries and replays
    platform: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(64))  # what it is, safe to log ("/met", "action fu.done", …)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[str] = mapped_column(Text, default="{}")  # JSON: the headers the work needs
    status: Mapped[str] = mapped_column(String(16), default="new")  # new | working | done | failed
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response: Mapped[str | None] = mapped_column(Text)  # for requests whose answer is the HTTP response
    error: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SeenRequest(Base):
    """Requests already handled (a retried event's id, a replayed signature): each has one effect."""

    __tablename__ = "seen_request"
    __table_args__ = (Index("ix_seen_request_at", "at"),)

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Referral(Base):
    """A referral given or received, as the member who recorded it tells it.

    A teammate on either side is a member (`*_member_id`); someone outside the workspace is just a name.
    The recorder's contacts it names are linked (`*_contact_id`) for the mutual-value counts. `shoutout`
    is a tiny outbox: `due` rows are claimed once and posted to the team channel.
    """

    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_workspace_created", "workspace_id", "created_at"),
        Index("ix_referral_member_created", "member_id", "created_at"),
        Index("ix_referral_member_shoutout", "member_id", "shoutout"),
        Index("ix_referral_giver_contact", "giver_contact_id"),
        Index("ix_referral_receiver_contact", "receiver_contact_id"),
        Index("ix_referral_referred_contact", "referred_contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))  # who recorded it
    direction: Mapped[str] = mapped_column(String(8))  # given | received (by the recorder)
    giver_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    giver_name: Mapped[str | None] = mapped_column(String(200))
    giver_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    receiver_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    receiver_name: Mapped[str | None] = mapped_column(String(200))
    receiver_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    referred_name: Mapped[str] = mapped_column(String(200))
    referred_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    company: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    # open | met | closed | no_deal
    outcome: Mapped[str] = mapped_column(String(16), default="open")
    value: Mapped[str | None] = mapped_column(String(64))
    private: Mapped[bool] = mapped_column(default=False)
    # none (private) | due | posting | posted | failed
    shoutout: Mapped[str] = mapped_column(String(16), default="none")
    shoutout_error: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Roundup(Base):
    """The weekly roundup's outbox: one row per workspace per week makes it go out exactly once."""

    __tablename__ = "roundup"
    __table_args__ = (
        UniqueConstraint("workspace_id", "week_start"),
        Index("ix_roundup_status_lease", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)  # the Monday that starts the week it covers (local)
    timezone: Mapped[str] = mapped_column(String(64))  # the workspace's timezone when it was opened
    # pending | claimed | sent | skipped
    status: Mapped[str] = mapped_column(String(16), default="pending")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str | None] = mapped_column(String(64))
    ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
