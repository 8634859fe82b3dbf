"""The outbox as organisers will see it, and its retention."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import load_only

from colloquium.audit import services as audit
from colloquium.clock import utcnow
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.mail.models import (
    FINISHED_STATUSES,
    MailStatus,
    OutgoingMail,
    OutgoingMailAttachment,
    erased_values,
)
from colloquium.privacy.services import retention_step

if TYPE_CHECKING:  # only a type: accounts sends its mail through this domain
    from colloquium.accounts.models import User

RETENTION = timedelta(days=30)
# A mail due for this long while nothing was sent since: no worker is delivering.
WORKER_STALLED_AFTER = timedelta(minutes=15)
# What the outbox page shows of a mail: never its text, nor its attachments.
LISTED_COLUMNS = (
    OutgoingMail.id,
    OutgoingMail.recipient,
    OutgoingMail.template,
    OutgoingMail.language,
    OutgoingMail.subject,
    OutgoingMail.status,
    OutgoingMail.attempts,
    OutgoingMail.last_error,
    OutgoingMail.next_attempt_at,
    OutgoingMail.finished_at,
    OutgoingMail.created_at,
)
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
    query = sa.select(OutgoingMail).options(load_only(*LISTED_COLUMNS))
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


def latest_failures(limit: int = 5) -> list[OutgoingMail]:
    """The mails that failed for good most recently, with their reason (no text loaded)."""
    return list(
        db.session.scalars(
            sa.select(OutgoingMail)
            .options(load_only(*LISTED_COLUMNS))
            .where(OutgoingMail.status == MailStatus.FAILED.value)
            .order_by(OutgoingMail.finished_at.desc(), OutgoingMail.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class WorkerState:
    """Whether mail moves: the last delivery, and the mail waiting longest past its time."""

    last_sent_at: datetime | None
    oldest_due_at: datetime | None
    stalled: bool


def worker_state(now: datetime | None = None) -> WorkerState:
    """When mail was last sent, and whether due mail has waited long with nothing sent since."""
    now = now or utcnow()
    last_sent = (
        sa.select(sa.func.max(OutgoingMail.finished_at))
        .where(OutgoingMail.status == MailStatus.SENT.value)
        .scalar_subquery()
    )
    oldest_due = (
        sa.select(sa.func.min(OutgoingMail.next_attempt_at))
        .where(
            OutgoingMail.status.in_([MailStatus.QUEUED.value, MailStatus.RETRY.value]),
            OutgoingMail.next_attempt_at <= now,
        )
        .scalar_subquery()
    )
    row = db.session.execute(
        sa.select(
            sa.type_coerce(last_sent, OutgoingMail.finished_at.type),
            sa.type_coerce(oldest_due, OutgoingMail.next_attempt_at.type),
        )
    ).one()
    last_sent_at, oldest_due_at = row
    # A running worker sends due mail within seconds, or (SMTP down) puts it off until later,
    # so it is no longer due: mail due for long, and nothing sent since, means no worker.
    stalled = (
        oldest_due_at is not None
        and oldest_due_at <= now - WORKER_STALLED_AFTER
        and (last_sent_at is None or last_sent_at < oldest_due_at)
    )
    return WorkerState(last_sent_at, oldest_due_at, stalled)


RETRY_VALUES = {
    # A fresh series of attempts: the organiser retries once the cause is fixed (the address,
    # the SMTP server); with the old count, one more 4xx would end it at once.
    "attempts": 0,
    "claimed_at": None,
    "finished_at": None,
}


def _can_retry() -> sa.ColumnElement[bool]:
    # An erased recipient's failed mail is blanked: there is no one left to send it to.
    return sa.and_(OutgoingMail.status == MailStatus.FAILED.value, OutgoingMail.recipient != "")


def retry_mail(mail: OutgoingMail, actor: "User", now: datetime | None = None) -> OutgoingMail:
    """Put one failed mail back in the queue, due now, and audit it."""
    if mail.status != MailStatus.FAILED.value:
        raise DomainError(None, _l("Only an e-mail that failed can be sent again."))
    if not mail.recipient:
        raise DomainError(None, _l("This e-mail's recipient was erased: it cannot be sent again."))
    # Its status says it waits for another attempt; its last error stays until that attempt.
    mail.status = MailStatus.RETRY.value
    mail.next_attempt_at = now or utcnow()
    for name, value in RETRY_VALUES.items():
        setattr(mail, name, value)
    db.session.flush()
    audit.record(actor, "mail.retry", f"mail:{mail.id}", {"mails": 1})
    return mail


def retry_failed_mail(actor: "User", now: datetime | None = None) -> int:
    """Put every failed mail that still has a recipient back in the queue; how many."""
    result = db.session.execute(
        sa.update(OutgoingMail)
        .where(_can_retry())
        .values(status=MailStatus.RETRY.value, next_attempt_at=now or utcnow(), **RETRY_VALUES)
        .execution_options(synchronize_session=False)
    )
    count = result.rowcount
    if count:
        audit.record(actor, "mail.retry", "outbox", {"mails": count, "status": "failed"})
    db.session.flush()
    return count


def count_retryable() -> int:
    """How many failed mails could be sent again (their recipient is not erased)."""
    return db.session.scalar(sa.select(sa.func.count()).where(_can_retry()))


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
