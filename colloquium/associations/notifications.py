"""The e-mail organisers get when a member's profile changes, through the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from colloquium.accounts.services import active_organisers
from colloquium.links import external_url
from colloquium.mail.outbox import queue_mail

if TYPE_CHECKING:
    from colloquium.associations.models import Association, AssociationRevision


def profile_changed(association: Association, revision: AssociationRevision) -> None:
    """One e-mail to each organiser (but the author) saying which fields changed."""
    fields = sorted(revision.changes)
    for organiser in active_organisers():
        if organiser.id == revision.author_id:
            continue
        queue_mail(
            organiser.email,
            "associations/profile_changed",
            organiser.language,
            {
                "association_name": association.name,
                "author": revision.author_name,
                "fields": fields,
                "is_revert": revision.reverts_id is not None,
                "profile_link": external_url("associations.profile", slug=association.slug),
                "history_link": external_url("associations_admin.history", slug=association.slug),
            },
        )
