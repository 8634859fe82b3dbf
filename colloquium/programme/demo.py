"""The demonstration programme: a believable day with fictional speakers, published."""

from collections.abc import Iterator
from datetime import datetime, time

from colloquium.associations import services as associations
from colloquium.editions.models import Edition
from colloquium.programme import services

# (name, seats, access notes in French, in English)
ROOMS = (
    (
        "Grand auditorium",
        180,
        "Rez-de-chaussée, accès de plain-pied, boucle magnétique.",
        "Ground floor, step-free access, hearing loop.",
    ),
    (
        "Salle Germaine Tillion",
        60,
        "Premier étage, ascenseur à droite de l'accueil.",
        "First floor; the lift is to the right of the reception desk.",
    ),
    (
        "Salle Louise Weiss",
        40,
        "Premier étage, ascenseur à droite de l'accueil.",
        "First floor; the lift is to the right of the reception desk.",
    ),
    (
        "Salle Simone Veil",
        40,
        "Rez-de-chaussée, au fond du hall.",
        "Ground floor, at the far end of the hall.",
    ),
    ("Foyer", 200, "Rez-de-chaussée, face à l'entrée.", "Ground floor, opposite the entrance."),
)

# Every person here is invented; any likeness to a real person is a coincidence.
# key: (name, (title, affiliation, biography) in French, the same in English)
SPEAKERS = {
    "marchetti": (
        "Hélène Marchetti",
        (
            "Présidente",
            "Ensemble contre la traite des êtres humains",
            "Juriste de formation, Hélène Marchetti a fondé une permanence d'accueil pour les "
            "victimes de traite avant de présider le collectif.",
        ),
        (
            "President",
            "Together against human trafficking",
            "A lawyer by training, Hélène Marchetti set up a drop-in service for victims of "
            "trafficking before becoming president of the network.",
        ),
    ),
    "verbeke": (
        "Jonas Verbeke",
        (
            "Rapporteur",
            "Comité européen d'experts (fictif)",
            "Jonas Verbeke suit depuis dix ans la mise en œuvre des engagements européens "
            "contre la traite.",
        ),
        (
            "Rapporteur",
            "European committee of experts (fictional)",
            "For ten years Jonas Verbeke has followed how Europe's commitments against "
            "trafficking are carried out.",
        ),
    ),
    "diallo": (
        "Amara Diallo",
        (
            "Chercheuse en sociologie des migrations",
            "Université de Valmont (fictive)",
            "Ses travaux portent sur les parcours d'exploitation et de sortie de l'exploitation.",
        ),
        (
            "Sociologist of migration",
            "University of Valmont (fictional)",
            "Her research looks at how people fall into exploitation and how they get out.",
        ),
    ),
    "lindqvist": (
        "Sofia Lindqvist",
        (
            "Magistrate de liaison",
            "Coopération judiciaire européenne (fictive)",
            "Sofia Lindqvist aide les parquets de plusieurs pays à mener des enquêtes communes.",
        ),
        (
            "Liaison magistrate",
            "European judicial cooperation (fictional)",
            "Sofia Lindqvist helps prosecutors from several countries run joint investigations.",
        ),
    ),
    "benali": (
        "Nadia Benali",
        (
            "Coordinatrice de l'hébergement sécurisé",
            "Association membre du collectif",
            "Nadia Benali accompagne depuis quinze ans des personnes victimes vers un "
            "logement sûr.",
        ),
        (
            "Safe housing coordinator",
            "Member association of the network",
            "For fifteen years Nadia Benali has helped victims find a safe place to live.",
        ),
    ),
    "lefebvre": (
        "Marc Lefebvre-Roux",
        (
            "Journaliste d'investigation",
            "Revue Horizons (fictive)",
            "Marc Lefebvre-Roux enquête sur le travail forcé dans les chaînes d'approvisionnement.",
        ),
        (
            "Investigative journalist",
            "Horizons magazine (fictional)",
            "Marc Lefebvre-Roux investigates forced labour in supply chains.",
        ),
    ),
    "carvalho": (
        "Inès Carvalho",
        (
            "Avocate",
            "Barreau de Valmont (fictif)",
            "Inès Carvalho défend des victimes de traite devant les juridictions pénales.",
        ),
        (
            "Lawyer",
            "Valmont Bar (fictional)",
            "Inès Carvalho represents victims of trafficking in the criminal courts.",
        ),
    ),
    "nguyen": (
        "Thomas Nguyen",
        (
            "Inspecteur du travail",
            "",
            "Thomas Nguyen contrôle les chantiers et les exploitations agricoles de sa région.",
        ),
        (
            "Labour inspector",
            "",
            "Thomas Nguyen inspects building sites and farms across his region.",
        ),
    ),
    "temoin": (
        "Marie A. (prénom modifié)",
        (
            "Survivante de la traite",
            "",
            "Marie témoigne de son parcours, de l'exploitation à la reconstruction.",
        ),
        (
            "Trafficking survivor",
            "",
            "Marie tells her story, from exploitation to rebuilding her life.",
        ),
    ),
    "sarr": (
        "Élodie Sarr",
        (
            "Éducatrice de prévention",
            "Association membre du collectif",
            "Élodie Sarr va à la rencontre des jeunes en errance, dans la rue et en ligne.",
        ),
        (
            "Outreach youth worker",
            "Member association of the network",
            "Élodie Sarr reaches out to young people adrift, on the streets and online.",
        ),
    ),
    "mercier": (
        "Paul Mercier",
        (
            "Commissaire",
            "Office central (fictif)",
            "Paul Mercier dirige une équipe d'enquêteurs spécialisés dans la traite.",
        ),
        (
            "Police superintendent",
            "Central office (fictional)",
            "Paul Mercier leads a team of detectives who specialise in trafficking cases.",
        ),
    ),
    "toure": (
        "Aïcha Touré",
        (
            "Médecin",
            "Association membre du collectif",
            "Aïcha Touré dirige un centre de santé qui reçoit des personnes victimes "
            "d'exploitation.",
        ),
        (
            "Doctor",
            "Member association of the network",
            "Aïcha Touré runs a health centre that cares for people who have been exploited.",
        ),
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

# The English of each session above, by its French title: (title, summary).
IN_ENGLISH = {
    "Accueil et café": ("Welcome and coffee", ""),
    "Ouverture du colloque": ("Opening of the colloquium", "Welcome and an outline of the day."),
    "Dix ans d'engagements européens : où en sommes-nous ?": (
        "Ten years of European commitments: where do we stand?",
        "What governments promised, what they delivered and what is still to be done.",
    ),
    "Sortir de l'exploitation : un parcours": (
        "Getting out of exploitation: one woman's story",
        "A survivor's account, followed by questions from the floor.",
    ),
    "Pause": ("Break", ""),
    "Identifier les victimes : le rôle de chacun": (
        "Identifying victims: who does what",
        "Police, labour inspectors and health workers: spotting victims sooner and "
        "referring them better.",
    ),
    "Déjeuner": ("Lunch", ""),
    "Atelier A — Mineurs exploités : repérer et protéger": (
        "Workshop A — Exploited children: spotting the signs and keeping them safe",
        "Warning signs, reporting and emergency shelter, through real-life cases.",
    ),
    "Atelier B — Exploitation par le travail : les outils juridiques": (
        "Workshop B — Labour exploitation: the legal toolkit",
        "Joint investigations, asset seizure and compensation for victims.",
    ),
    "Atelier C — Hébergement sécurisé et accès aux soins": (
        "Workshop C — Safe housing and access to healthcare",
        "How the network's associations work together, city by city.",
    ),
    "Ce que la recherche nous apprend de la traite en France": (
        "What research tells us about trafficking in France",
        "The figures, the blind spots and better ways to measure.",
    ),
    "Recommandations aux décideurs français et européens": (
        "Recommendations to French and European policy makers",
        "The network's proposals, discussed with experts.",
    ),
    "Clôture": ("Closing remarks", ""),
}


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
        name: services.create_room(
            edition, services.RoomData(name, seats, access_notes_fr=fr, access_notes_en=en)
        )
        for name, seats, fr, en in ROOMS
    }
    speakers = {
        key: services.create_speaker(
            edition,
            services.SpeakerData(
                name=name,
                title_fr=french[0],
                affiliation_fr=french[1],
                bio_fr=french[2],
                title_en=english[0],
                affiliation_en=english[1],
                bio_en=english[2],
            ),
        )
        for key, (name, french, english) in SPEAKERS.items()
    }
    for start, end, kind, title, room, language, interpretation, audience, who, summary in SESSIONS:
        title_en, summary_en = IN_ENGLISH[title]
        services.create_session(
            edition,
            services.SessionData(
                title_fr=title,
                title_en=title_en,
                kind=kind,
                starts_at=_local(edition, start),
                ends_at=_local(edition, end),
                room_id=rooms[room].id,
                language=language,
                interpretation=interpretation,
                expected_audience=audience,
                summary_fr=summary,
                summary_en=summary_en,
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
