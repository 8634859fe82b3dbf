"""The demonstration programme: a believable day with fictional speakers, published."""

from collections.abc import Iterator
from datetime import datetime, time

from colloquium.associations import services as associations
from colloquium.editions.models import Edition
from colloquium.programme import services

ROOMS = (
    ("Grand auditorium", 180, "Rez-de-chaussée, accès de plain-pied, boucle magnétique."),
    ("Salle Germaine Tillion", 60, "Premier étage, ascenseur à droite de l'accueil."),
    ("Salle Louise Weiss", 40, "Premier étage, ascenseur à droite de l'accueil."),
    ("Salle Simone Veil", 40, "Rez-de-chaussée, au fond du hall."),
    ("Foyer", 200, "Rez-de-chaussée, face à l'entrée."),
)

# Every person here is invented; any likeness to a real person is a coincidence.
SPEAKERS = {
    "marchetti": (
        "Hélène Marchetti",
        "Présidente",
        "Ensemble contre la traite des êtres humains",
        "Juriste de formation, Hélène Marchetti a fondé une permanence d'accueil pour les "
        "victimes de traite avant de présider le collectif.",
    ),
    "verbeke": (
        "Jonas Verbeke",
        "Rapporteur",
        "Comité européen d'experts (fictif)",
        "Jonas Verbeke suit depuis dix ans la mise en œuvre des engagements européens "
        "contre la traite.",
    ),
    "diallo": (
        "Amara Diallo",
        "Chercheuse en sociologie des migrations",
        "Université de Valmont (fictive)",
        "Ses travaux portent sur les parcours d'exploitation et de sortie de l'exploitation.",
    ),
    "lindqvist": (
        "Sofia Lindqvist",
        "Magistrate de liaison",
        "Coopération judiciaire européenne (fictive)",
        "",
    ),
    "benali": (
        "Nadia Benali",
        "Coordinatrice de l'hébergement sécurisé",
        "Association membre du collectif",
        "Nadia Benali accompagne depuis quinze ans des personnes victimes vers un logement sûr.",
    ),
    "lefebvre": (
        "Marc Lefebvre-Roux",
        "Journaliste d'investigation",
        "Revue Horizons (fictive)",
        "",
    ),
    "carvalho": ("Inès Carvalho", "Avocate", "Barreau de Valmont (fictif)", ""),
    "nguyen": ("Thomas Nguyen", "Inspecteur du travail", "", ""),
    "temoin": (
        "Marie A. (prénom modifié)",
        "Survivante de la traite",
        "",
        "Marie témoigne de son parcours, de l'exploitation à la reconstruction.",
    ),
    "sarr": (
        "Élodie Sarr",
        "Éducatrice de prévention",
        "Association membre du collectif",
        "",
    ),
    "mercier": ("Paul Mercier", "Commissaire", "Office central (fictif)", ""),
    "toure": (
        "Aïcha Touré",
        "Médecin",
        "Association membre du collectif",
        "Aïcha Touré dirige un centre de santé qui reçoit des personnes victimes d'exploitation.",
    ),
}
# Speakers shown as members of the fictional member associations (when those exist).
ASSOCIATION_SPEAKERS = ("benali", "sarr", "toure")

FOYER, AUDITORIUM = "Foyer", "Grand auditorium"
TILLION, WEISS, VEIL = "Salle Germaine Tillion", "Salle Louise Weiss", "Salle Simone Veil"

# (start, end, kind, title, room, language, interpretation, audience, [(speaker, role)], summary)
SESSIONS = (
    ("08:30", "09:00", "break", "Accueil et café", FOYER, "fr", False, None, [], ""),
    (
        "09:00", "09:30", "opening", "Ouverture du colloque", AUDITORIUM, "both", True, 170,
        [("marchetti", "chair")],
        "Mot d'accueil et présentation de la journée.",
    ),
    (
        "09:30", "10:15", "keynote",
        "Dix ans d'engagements européens : où en sommes-nous ?", AUDITORIUM, "en", True, 170,
        [("verbeke", "speaker")],
        "Ce que les États ont promis, ce qu'ils ont fait, ce qui reste à faire.",
    ),
    (
        "10:15", "10:45", "testimony", "Sortir de l'exploitation : un parcours", AUDITORIUM,
        "fr", True, 170,
        [("temoin", "speaker"), ("benali", "moderator")],
        "Un témoignage, puis un échange avec la salle.",
    ),
    ("10:45", "11:00", "break", "Pause", FOYER, "fr", False, None, [], ""),
    (
        "11:00", "12:30", "round_table", "Identifier les victimes : le rôle de chacun",
        AUDITORIUM, "fr", True, 160,
        [("lefebvre", "moderator"), ("mercier", "speaker"), ("nguyen", "speaker"),
         ("toure", "speaker")],
        "Police, inspection du travail, santé : repérer plus tôt, orienter mieux.",
    ),
    ("12:30", "14:00", "break", "Déjeuner", FOYER, "fr", False, None, [], ""),
    (
        "14:00", "15:30", "workshop", "Atelier A — Mineurs exploités : repérer et protéger",
        TILLION, "fr", False, 50,
        [("sarr", "speaker"), ("carvalho", "speaker")],
        "Signes d'alerte, signalement, mise à l'abri : des cas pratiques.",
    ),
    (
        "14:00", "15:30", "workshop",
        "Atelier B — Exploitation par le travail : les outils juridiques", WEISS, "both", True,
        35,
        [("lindqvist", "speaker"), ("nguyen", "speaker")],
        "Enquêtes conjointes, saisie des avoirs, indemnisation des victimes.",
    ),
    (
        "14:00", "15:30", "workshop",
        "Atelier C — Hébergement sécurisé et accès aux soins", VEIL, "fr", False, 35,
        [("benali", "speaker"), ("toure", "speaker")],
        "Comment les associations du collectif travaillent ensemble, ville par ville.",
    ),
    ("15:30", "16:00", "break", "Pause", FOYER, "fr", False, None, [], ""),
    (
        "16:00", "16:30", "keynote", "Ce que la recherche nous apprend de la traite en France",
        AUDITORIUM, "fr", True, 160,
        [("diallo", "speaker")],
        "Chiffres, angles morts et pistes pour mieux mesurer.",
    ),
    (
        "16:30", "17:15", "panel", "Recommandations aux décideurs français et européens",
        AUDITORIUM, "both", True, 160,
        [("marchetti", "chair"), ("lindqvist", "speaker"), ("verbeke", "speaker"),
         ("carvalho", "speaker")],
        "Les propositions du collectif, discutées avec des experts.",
    ),
    (
        "17:15", "17:30", "closing", "Clôture", AUDITORIUM, "both", True, 150,
        [("marchetti", "speaker")],
        "",
    ),
)  # fmt: skip


def load_programme(edition: Edition) -> Iterator[str]:
    """Create the demo programme of ``edition`` once, publish it, and link member speakers."""
    if services.list_sessions(edition):
        yield f"Programme {edition.year} already there."
    else:
        _create(edition)
        services.set_published(edition, True)
        yield (
            f"Programme {edition.year} created and published: {len(SESSIONS)} sessions, "
            f"{len(SPEAKERS)} speakers, {len(ROOMS)} rooms."
        )
    linked = _link_member_speakers(edition)
    if linked:
        yield f"{linked} speakers linked to member associations."


def _create(edition: Edition) -> None:
    rooms = {
        name: services.create_room(edition, services.RoomData(name, seats, access_notes_fr=notes))
        for name, seats, notes in ROOMS
    }
    speakers = {
        key: services.create_speaker(
            edition,
            services.SpeakerData(name=name, title_fr=title, affiliation_fr=where, bio_fr=bio),
        )
        for key, (name, title, where, bio) in SPEAKERS.items()
    }
    for start, end, kind, title, room, language, interpretation, audience, who, summary in SESSIONS:
        services.create_session(
            edition,
            services.SessionData(
                title_fr=title,
                kind=kind,
                starts_at=_local(edition, start),
                ends_at=_local(edition, end),
                room_id=rooms[room].id,
                language=language,
                interpretation=interpretation,
                expected_audience=audience,
                summary_fr=summary,
                speakers=[services.SpeakerEntry(speakers[key].id, role) for key, role in who],
            ),
        )


def _link_member_speakers(edition: Edition) -> int:
    """Link the demo's association speakers to the first member associations, if any."""
    members = associations.search_members()
    by_name = {speaker.name: speaker for speaker in services.list_speakers(edition)}
    linked = 0
    for key, association in zip(ASSOCIATION_SPEAKERS, members, strict=False):
        speaker = by_name.get(SPEAKERS[key][0])
        if speaker is not None and speaker.association_id is None:
            speaker.association = association
            speaker.affiliation_fr = speaker.affiliation_en = association.name
            linked += 1
    if linked:
        services.mark_changed(edition)
    return linked


def _local(edition: Edition, hour_minute: str) -> datetime:
    return datetime.combine(edition.date, time.fromisoformat(hour_minute), edition.tz)
