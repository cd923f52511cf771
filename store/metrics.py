"""Counts for /metrics read from the tables, so they hold across processes and replicas."""

from __future__ import annotations

from sqlalchemy import Engine, case, func, select

from store.models import Digest

READ = {"metbot_read_only": True}


def digest_counts(engine: Engine) -> dict[str, int]:
    """Digests by outcome: sent, retried (needed more than one attempt), refused (given up with an error),
    pending (due or being sent)."""
    d = Digest.__table__
    query = select(
        func.count().filter(d.c.status == "sent"),
        func.count().filter(d.c.attempts > 1),
        func.count().filter(d.c.status.not_in(("sent", "pending", "claimed")), d.c.error.is_not(None)),
        func.sum(case((d.c.status.in_(("pending", "claimed")), 1), else_=0)),
    )
    with engine.connect().execution_options(**READ) as connection:
        sent, retried, refused, pending = connection.execute(query).one()
    return {"sent": sent or 0, "retried": retried or 0, "refused": refused or 0, "pending": pending or 0}
