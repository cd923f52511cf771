"""Proactive messages in Teams: the digest in each member's 1:1 chat, shoutouts and the roundup in the
team channel. The same `DigestSender` the Slack edge implements (bot/delivery.py), over the Bot
Connector through the SDK bridge.

The connector keeps no history a bot can read, so `find_tagged` cannot look for an earlier copy: a
connector that posted and then lost its answer is the one window where a retry posts twice
(docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.delivery import Address, Recipient, Refused, Retryable, Unreachable
from bot.results import Reply
from handlers.teams import cards
from handlers.teams.sdk import ConnectorError, TeamsBridge


def typed(error: ConnectorError) -> Exception:
    """A connector failure as the send path knows them: retry later, give up, or never as it is."""
    if error.retryable:
        return Retryable(f"HTTP {error.status or 'no answer'}", after_seconds=error.retry_after)
    if error.gone:
        return Unreachable(f"HTTP {error.status}")
    return Refused(f"HTTP {error.status}")


class TeamsSender:
    """`DigestSender` for Teams: opens the 1:1 conversation when none is stored, posts cards."""

    def __init__(self, bridge: TeamsBridge, service_url_of: Callable[[str], str | None]) -> None:
        self.bridge = bridge
        self.service_url_of = service_url_of  # a team's connector URL, for channel posts (by tenant)

    def open(self, member: Recipient) -> Address:
        service_url = member.service_url or self.service_url_of(member.workspace)
        if member.dm_channel and service_url:
            return Address(member.platform, member.workspace, member.dm_channel, service_url)
        if not service_url:
            raise Retryable("no Teams service URL for this member yet")
        try:
            conversation = self.bridge.create_conversation(service_url, member.workspace, member.user_id)
        except ConnectorError as error:
            raise typed(error) from error
        return Address(member.platform, member.workspace, conversation, service_url)

    def post(self, address: Address, reply: Reply, tag: str) -> str:
        service_url = address.service_url or self.service_url_of(address.workspace)
        if not service_url:
            raise Retryable("no Teams service URL for this team yet")
        activity = cards.message_activity(cards.reply_card(reply), reply.headline)
        try:
            return self.bridge.send(service_url, address.channel, activity)
        except ConnectorError as error:
            raise typed(error) from error

    def find_tagged(self, address: Address, tag: str) -> str | None:
        return None  # the connector cannot list a conversation's messages for a bot
