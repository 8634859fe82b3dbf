"""The outbox: one row per e-mail, written in the transaction that causes it."""

import re
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from colloquium.clock import utcnow
from colloquium.db import UTCDateTime
from colloquium.extensions import db


class MailStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


STATUS_VALUES = ", ".join(f"'{status.value}'" for status in MailStatus)


class OutgoingMail(db.Model):
    """One e-mail: rendered when queued, or written by the worker just before it is sent.

    A mail queued with ``outbox.queue_mail_later`` holds ``parameters`` (what it announces,
    captured when queued) and blank texts; the worker writes its subject, texts and
    attachments from them, stores them, clears ``parameters`` and sends it. From then on,
    retries need nothing but this row, as for a mail rendered when queued.
    """

    __tablename__ = "outgoing_mail"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({STATUS_VALUES})", name="status_known"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.Index("ix_outgoing_mail_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(320))
    template: Mapped[str] = mapped_column(sa.String(100))
    language: Mapped[str] = mapped_column(sa.String(8))
    subject: Mapped[str] = mapped_column(sa.Text)
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    message_id: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[str] = mapped_column(
        sa.String(16), default=MailStatus.QUEUED.value, server_default=MailStatus.QUEUED.value
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Whose personal data the mail carries, e.g. "registration:42": erasing that person finds
    # their mail by it (an address may be shared, and is blanked with them).
    data_subject: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    # The person is already erased: blank the row as soon as it is sent or fails for good.
    erase_after_delivery: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Not None while the mail is still to be written: the template's parameters (JSON).
    parameters: Mapped[dict | None] = mapped_column(sa.JSON)
    # Which bulk send the mail belongs to, e.g. "message:7": its page counts them by status.
    batch: Mapped[str | None] = mapped_column(sa.String(64), index=True)

    attachments: Mapped[list["OutgoingMailAttachment"]] = relationship(
        back_populates="mail",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="OutgoingMailAttachment.id",
    )

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id} {self.template} {self.status}>"


# Delivery is over for these: nothing in the row is needed any more but the counts.
FINISHED_STATUSES = (MailStatus.SENT.value, MailStatus.FAILED.value)
SMTP_REPLY_CODE = re.compile(r"^[2-5]\d\d\b")


def erased_values(last_error: str | None) -> dict:
    """The columns of a finished mail once its recipient is erased: what and to whom go.

    The template, status, dates and the SMTP reply code stay (they name no one); the reply
    text goes, since servers quote the address in it ("550 <bob@…>: no such user").
    """
    code = SMTP_REPLY_CODE.match(last_error or "")
    return {
        "recipient": "",
        "subject": "",
        "text_body": "",
        "html_body": "",
        "last_error": f"{code.group()} (reply erased with the recipient)" if code else None,
        "data_subject": None,
        "parameters": None,
    }


class OutgoingMailAttachment(db.Model):
    """A file sent with an e-mail; deleted with it (ON DELETE CASCADE)."""

    __tablename__ = "outgoing_mail_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    mail_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outgoing_mail.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(255))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)

    mail: Mapped[OutgoingMail] = relationship(back_populates="attachments")
