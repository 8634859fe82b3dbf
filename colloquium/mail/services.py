"""The outbox as organisers will see it, and its retention."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from colloquium.clock import utcnow
from colloquium.extensions import db
from colloquium.mail.models import (
    FINISHED_STATUSES,
    MailStatus,
    OutgoingMail,
    OutgoingMailAttachment,
    erased_values,
)
from colloquium.privacy.services import retention_step

RETENTION = timedelta(days=30)
# Keys per statement when forgetting many people at once (the purge): bounded IN lists.
FORGET_CHUNK = 500


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


def forget_data_subjects(keys: Iterable[str]) -> int:
    """Remove these people's personal data from the outbox; how many rows were changed.

    Mail not delivered yet (waiting, retried, or being sent) is deleted: it is no longer
    wanted. Mail already sent or failed is blanked, keeping only what counts it. Mail queued
    after this call (an erasure's own last e-mail) is left alone.
    """
    keys = list(dict.fromkeys(keys))
    changed = 0
    for start in range(0, len(keys), FORGET_CHUNK):
        chunk = keys[start : start + FORGET_CHUNK]
        rows = db.session.scalars(
            sa.select(OutgoingMail).where(OutgoingMail.data_subject.in_(chunk))
        ).all()
        for mail in rows:
            if mail.status in FINISHED_STATUSES:
                for name, value in erased_values(mail.last_error).items():
                    setattr(mail, name, value)
                mail.attachments = []
            else:
                db.session.delete(mail)
        changed += len(rows)
    db.session.flush()
    return changed


def erase_finished_mail(where: sa.ColumnElement[bool] | None = None) -> int:
    """Blank mail marked ``erase_after_delivery`` whose delivery is over (sent or failed)."""
    rows = db.session.scalars(
        sa.select(OutgoingMail).where(
            where if where is not None else sa.true(),
            OutgoingMail.erase_after_delivery,
            OutgoingMail.status.in_(FINISHED_STATUSES),
            OutgoingMail.recipient != "",
        )
    ).all()
    for mail in rows:
        for name, value in erased_values(mail.last_error).items():
            setattr(mail, name, value)
    if rows:
        db.session.execute(
            sa.delete(OutgoingMailAttachment)
            .where(OutgoingMailAttachment.mail_id.in_([mail.id for mail in rows]))
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    return len(rows)


def batch_progress(batches: Iterable[str]) -> dict[str, dict[str, int]]:
    """How many rows of each batch are in each status (one query for all the batches)."""
    batches = list(dict.fromkeys(batches))
    progress = {batch: {status.value: 0 for status in MailStatus} for batch in batches}
    if batches:
        rows = db.session.execute(
            sa.select(OutgoingMail.batch, OutgoingMail.status, sa.func.count())
            .where(OutgoingMail.batch.in_(batches))
            .group_by(OutgoingMail.batch, OutgoingMail.status)
        )
        for batch, status, count in rows:
            progress[batch][status] = count
    return progress
