"""The words users read for the programme's fixed choices, in their language."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "opening": _l("Opening"),
    "keynote": _l("Keynote"),
    "panel": _l("Panel"),
    "round_table": _l("Round table"),
    "workshop": _l("Workshop"),
    "testimony": _l("Testimony"),
    "break": _l("Break"),
    "closing": _l("Closing"),
}

LANGUAGE_LABELS = {
    "fr": _l("In French"),
    "en": _l("In English"),
    "both": _l("In French and English"),
}

ROLE_LABELS = {
    "speaker": _l("Speaker"),
    "moderator": _l("Moderator"),
    "chair": _l("Chair"),
}


def labels_context() -> dict:
    """The words for kinds, languages and roles in the page's language, for its templates.

    Translated once per page: a lazy label would look its translation up again for each of
    the (up to thousands of) sessions that show it.
    """
    return {
        "kind_labels": _translated(KIND_LABELS),
        "language_labels": _translated(LANGUAGE_LABELS),
        "role_labels": _translated(ROLE_LABELS),
    }


def _translated(labels: dict) -> dict[str, str]:
    """``labels`` with each lazy label turned into its text in the current language."""
    return {code: str(label) for code, label in labels.items()}
