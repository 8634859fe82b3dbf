"""The outbox as organisers will see it, and its retention."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from colloquium.clock import utcnow
from colloquium.extensions import db
from colloquium.mail.models import MailStatus, OutgoingMail
from colloquium.privacy.services import retention_step

RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class OutboxFilter:
    """What to show of the outbox; ``None`` shows everything."""

    status: str | None = None
    recipient: str | None = None  # a part of the address, case-insensitive
    template: str | None = None
    created_from: datetime | None = None  # inclusive
    created_until: datetime | None = None  # exclusive


def list_outbox(
    filters: OutboxFilter = OutboxFilter(), page: int = 1, per_page: int = 50
) -> Pagination:
    """One page of outbox rows matching ``filters``, the newest first."""
    query = sa.select(OutgoingMail)
    if filters.status:
        query = query.where(OutgoingMail.status == filters.status)
    if filters.recipient:
        query = query.where(
            OutgoingMail.recipient.icontains(filters.recipient.strip(), autoescape=True)
        )
    if filters.template:
        query = query.where(OutgoingMail.template == filters.template)
    if filters.created_from:
        query = query.where(OutgoingMail.created_at >= filters.created_from)
    if filters.created_until:
        query = query.where(OutgoingMail.created_at < filters.created_until)
    query = query.order_by(OutgoingMail.created_at.desc(), OutgoingMail.id.desc())
    return db.paginate(query, page=page, per_page=per_page, max_per_page=200, error_out=False)


def outbox_counts() -> dict[str, int]:
    """How many rows the outbox holds in each status."""
    rows = db.session.execute(
        sa.select(OutgoingMail.status, sa.func.count()).group_by(OutgoingMail.status)
    )
    counts = {status.value: 0 for status in MailStatus}
    counts.update({status: count for status, count in rows})
    return counts


def purge_sent_mail(older_than_days: int = RETENTION.days, now: datetime | None = None) -> int:
    """Delete mail sent or failed more than ``older_than_days`` ago, and mail never sent since.

    Mail still waiting after that long (no SMTP server all along) is no longer worth sending
    and holds personal data: it goes too. Rows being sent are left alone. Attachments go
    with their row (ON DELETE CASCADE).
    """
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    finished = sa.and_(
        OutgoingMail.status.in_([MailStatus.SENT.value, MailStatus.FAILED.value]),
        OutgoingMail.finished_at < cutoff,
    )
    abandoned = sa.and_(
        OutgoingMail.status.in_([MailStatus.QUEUED.value, MailStatus.RETRY.value]),
        OutgoingMail.created_at < cutoff,
    )
    result = db.session.execute(
        sa.delete(OutgoingMail)
        .where(sa.or_(finished, abandoned))
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return result.rowcount


@retention_step("outbox", "e-mails sent, failed or undelivered more than 30 days ago")
def purge_outbox() -> int:
    """The outbox's retention step."""
    return purge_sent_mail()
