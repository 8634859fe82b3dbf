"""Demonstration members: 26 invented associations, their editors and one organiser."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator

from PIL import Image, ImageDraw

from colloquium.accounts import services as accounts
from colloquium.accounts.models import EDITOR, ORGANISER
from colloquium.associations import services
from colloquium.associations.services import ProfileValues, Upload

DEMO_ORGANISER = "organisation@example.org"
FICTIONAL = "Association fictive de démonstration."
FICTIONAL_EN = "A made-up association for the demo."

# slug, name, acronym, city, areas, member since, what it does (all invented).
MEMBERS = [
    (
        "lanternes-du-quai",
        "Les Lanternes du Quai",
        "LDQ",
        "Marseille",
        ["victim_support", "shelter_housing"],
        2008,
        "accueille de nuit les personnes exploitées sur le port",
    ),
    (
        "passerelle-azimut",
        "Passerelle Azimut",
        "",
        "Lyon",
        ["prevention", "training"],
        2008,
        "forme les travailleurs sociaux au repérage des victimes",
    ),
    (
        "boussole-claire",
        "Réseau Boussole Claire",
        "RBC",
        "Lille",
        ["advocacy", "research"],
        2009,
        "documente l'exploitation transfrontalière et plaide auprès des élus",
    ),
    (
        "maison-tournesol",
        "Maison Tournesol-Entraide",
        "",
        "Toulouse",
        ["shelter_housing", "health"],
        2009,
        "héberge et soigne les victimes orientées par les partenaires",
    ),
    (
        "fil-d-ariane-17",
        "Collectif Fil d'Ariane 17",
        "FA17",
        "Nantes",
        ["child_protection", "prevention"],
        2010,
        "protège les mineurs isolés des réseaux d'exploitation",
    ),
    (
        "droits-devant-demain",
        "Droits Devant Demain",
        "DDD",
        "Strasbourg",
        ["legal_aid", "advocacy"],
        2010,
        "accompagne les victimes devant les juridictions",
    ),
    (
        "veilleurs-de-l-estuaire",
        "Les Veilleurs de l'Estuaire",
        "",
        "Bordeaux",
        ["victim_support", "international_cooperation"],
        2011,
        "maraude sur les quais et travaille avec les ports voisins",
    ),
    (
        "atelier-horizon-partage",
        "Atelier Horizon Partagé",
        "AHP",
        "Rennes",
        ["training", "prevention"],
        2011,
        "anime des ateliers de prévention dans les lycées",
    ),
    (
        "routes-invisibles",
        "Observatoire des Routes Invisibles",
        "ORI",
        "Paris",
        ["research", "advocacy"],
        2012,
        "publie chaque année un état des lieux des routes de la traite",
    ),
    (
        "abri-des-quatre-vents",
        "Abri des Quatre Vents",
        "",
        "Brest",
        ["shelter_housing"],
        2012,
        "propose des places d'hébergement sécurisé",
    ),
    (
        "cles-de-sol-solidaires",
        "Clés de Sol Solidaires",
        "CSS",
        "Montpellier",
        ["health", "victim_support"],
        2013,
        "offre un suivi psychologique par la musique et la parole",
    ),
    (
        "cordee-juridique",
        "Cordée Juridique des Alpes",
        "CJA",
        "Grenoble",
        ["legal_aid"],
        2013,
        "tient une permanence d'avocats bénévoles",
    ),
    (
        "pont-des-enfances",
        "Pont des Enfances",
        "",
        "Dijon",
        ["child_protection"],
        2014,
        "suit les enfants victimes jusqu'à leur majorité",
    ),
    (
        "ancre-et-boussole",
        "Ancre et Boussole",
        "",
        "Le Havre",
        ["international_cooperation", "victim_support"],
        2014,
        "aide les marins victimes de travail forcé",
    ),
    (
        "lucioles-en-reseau",
        "Lucioles en Réseau",
        "LER",
        "Clermont-Ferrand",
        ["prevention", "training"],
        2015,
        "sensibilise les employeurs agricoles",
    ),
    (
        "main-tendue-nord-est",
        "Main Tendue Nord-Est",
        "MTNE",
        "Metz",
        ["victim_support", "health"],
        2015,
        "accompagne les victimes vers le soin et les droits",
    ),
    (
        "cartographes-de-l-espoir",
        "Cartographes de l'Espoir",
        "",
        "Nice",
        ["research", "international_cooperation"],
        2016,
        "cartographie les parcours migratoires à risque",
    ),
    (
        "phare-des-possibles",
        "Le Phare des Possibles",
        "",
        "La Rochelle",
        ["shelter_housing", "training"],
        2016,
        "aide les victimes à retrouver un emploi et un logement",
    ),
    (
        "semeurs-de-vigilance",
        "Semeurs de Vigilance",
        "SDV",
        "Tours",
        ["prevention", "advocacy"],
        2017,
        "mène des campagnes d'information dans les gares",
    ),
    (
        "balise-sante-migrations",
        "Balise Santé Migrations",
        "BSM",
        "Marseille",
        ["health", "international_cooperation"],
        2018,
        "tient des consultations médicales sans rendez-vous",
    ),
    (
        "jeunes-sentinelles",
        "Jeunes Sentinelles",
        "",
        "Amiens",
        ["child_protection", "training"],
        2019,
        "forme des jeunes pairs à repérer l'exploitation en ligne",
    ),
    (
        "ecoute-passage-33",
        "Écoute Passage 33",
        "EP33",
        "Bordeaux",
        ["victim_support"],
        2020,
        "répond à une ligne d'écoute anonyme",
    ),
    (
        "trame-solidaire",
        "Trame Solidaire d'Alsace",
        "TSA",
        "Mulhouse",
        ["legal_aid", "shelter_housing"],
        2021,
        "aide aux démarches de titre de séjour des victimes",
    ),
    (
        "cercle-aurore",
        "Cercle d'Études Aurore",
        "CEA",
        "Poitiers",
        ["research"],
        2022,
        "réunit chercheuses et praticiens autour de la traite",
    ),
    (
        "voix-franches-demo",
        "Voix Franches (démo)",
        "",
        "Rouen",
        ["advocacy"],
        2023,
        "porte la parole des survivantes dans le débat public",
    ),
    (
        "mille-ponts",
        "Refuge Les Mille Ponts",
        "",
        "Limoges",
        ["shelter_housing", "child_protection"],
        2024,
        "accueille de jeunes majeurs sortis de l'exploitation",
    ),
]

# What each member does, as an English speaker would put it.
IN_ENGLISH = {
    "lanternes-du-quai": "runs a night shelter for people exploited around the harbour",
    "passerelle-azimut": "trains social workers to spot victims",
    "boussole-claire": "documents cross-border exploitation and lobbies elected officials",
    "maison-tournesol": "gives victims referred by its partners a roof and medical care",
    "fil-d-ariane-17": "keeps unaccompanied minors out of the hands of exploitation networks",
    "droits-devant-demain": "stands by victims through court proceedings",
    "veilleurs-de-l-estuaire": "does outreach along the docks and works with neighbouring ports",
    "atelier-horizon-partage": "runs prevention workshops in secondary schools",
    "routes-invisibles": "publishes a yearly report on trafficking routes",
    "abri-des-quatre-vents": "provides safe emergency housing",
    "cles-de-sol-solidaires": "offers counselling through music and talking",
    "cordee-juridique": "holds drop-in sessions with volunteer lawyers",
    "pont-des-enfances": "follows child victims until they come of age",
    "ancre-et-boussole": "helps seafarers who were victims of forced labour",
    "lucioles-en-reseau": "raises awareness among farm employers",
    "main-tendue-nord-est": "helps victims get health care and claim their rights",
    "cartographes-de-l-espoir": "maps the riskiest migration routes",
    "phare-des-possibles": "helps victims find work and a home again",
    "semeurs-de-vigilance": "runs information campaigns in railway stations",
    "balise-sante-migrations": "runs walk-in medical clinics",
    "jeunes-sentinelles": "trains young peer mentors to spot exploitation online",
    "ecoute-passage-33": "answers an anonymous helpline",
    "trame-solidaire": "helps victims apply for residence permits",
    "cercle-aurore": "brings researchers and practitioners together to study trafficking",
    "voix-franches-demo": "makes survivors' voices heard in public debate",
    "mille-ponts": "takes in young adults who have escaped exploitation",
}

# Slugs of the members whose logo the demo draws (the others show their initials).
DRAWN_LOGOS = {
    "lanternes-du-quai": ((250, 190, 60), (30, 40, 80), "lantern"),
    "passerelle-azimut": ((40, 120, 160), (240, 240, 240), "bridge"),
    "maison-tournesol": ((245, 200, 40), (120, 70, 20), "sun"),
    "routes-invisibles": ((60, 60, 70), (230, 90, 90), "roads"),
    "pont-des-enfances": ((120, 180, 90), (255, 255, 255), "bridge"),
    "balise-sante-migrations": ((200, 40, 60), (255, 255, 255), "cross"),
}


def load() -> Iterator[str]:
    """Create what is missing of the demo members and accounts; print new passwords once."""
    created = 0
    for slug, name, acronym, city, areas, since, does in MEMBERS:
        association = services.get_association(slug, include_archived=True)
        if association is None:
            drawing = DRAWN_LOGOS.get(slug)
            association = services.create_association(
                slug,
                ProfileValues(
                    name=name,
                    acronym=acronym,
                    summary_fr=f"{FICTIONAL} Elle {does}.",
                    summary_en=f"{FICTIONAL_EN} It {IN_ENGLISH[slug]}.",
                    description_fr=_description(name, does, city),
                    description_en=_description_in_english(name, IN_ENGLISH[slug], city),
                    website=f"https://{slug}.example.org",
                    public_email=f"contact@{slug}.example.org",
                    city=city,
                    country="France",
                    areas=areas,
                    member_since=since,
                    logo=Upload(draw_logo(*drawing)) if drawing else None,
                ),
            )
            created += 1
        editor_email = f"editeur@{slug}.example.org"
        if accounts.find_user_by_email(editor_email) is None:
            password = _new_password()
            accounts.create_user(
                editor_email,
                EDITOR,
                name=f"Éditeur·rice de {name}",
                association=association,
                password=password,
            )
            yield f"Editor of {slug}: {editor_email} / {password}"
    yield (
        f"{created} member associations created."
        if created
        else "Demo member associations already there."
    )
    if accounts.find_user_by_email(DEMO_ORGANISER) is None:
        password = _new_password()
        accounts.create_user(
            DEMO_ORGANISER, ORGANISER, name="Équipe d'organisation", password=password
        )
        yield f"Organiser: {DEMO_ORGANISER} / {password}"


def _new_password() -> str:
    return secrets.token_urlsafe(15)


def _description(name: str, does: str, city: str) -> str:
    return (
        f"**{name}** est une association *inventée* pour la démonstration de ce site : "
        f"elle n'existe pas.\n\n"
        f"Dans ce scénario, elle {does}, à {city} et dans sa région.\n\n"
        "- Permanences chaque semaine\n"
        "- Partenariats avec les services publics\n"
        "- Participation au colloque du 17 octobre\n"
    )


def _description_in_english(name: str, does: str, city: str) -> str:
    return (
        f"**{name}** was *made up* to show what this site can do: it does not exist.\n\n"
        f"In this story, it {does}, in {city} and the surrounding area.\n\n"
    )


def draw_logo(background: tuple, ink: tuple, motif: str) -> bytes:
    """A simple square logo drawn with Pillow, as PNG bytes."""
    size = 256
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    if motif == "sun":
        draw.ellipse((78, 78, 178, 178), fill=ink)
        for angle in range(0, 360, 30):
            draw.pieslice((28, 28, 228, 228), angle, angle + 8, fill=ink)
        draw.ellipse((88, 88, 168, 168), fill=background)
    elif motif == "bridge":
        draw.arc((28, 90, 228, 290), 180, 360, fill=ink, width=18)
        draw.rectangle((20, 180, 236, 196), fill=ink)
        for x in (64, 100, 156, 192):
            draw.line((x, 120, x, 180), fill=ink, width=8)
    elif motif == "lantern":
        draw.rectangle((98, 70, 158, 190), outline=ink, width=10)
        draw.polygon(((88, 70), (168, 70), (128, 36)), fill=ink)
        draw.ellipse((113, 110, 143, 150), fill=(255, 240, 180))
        draw.rectangle((88, 190, 168, 204), fill=ink)
    elif motif == "roads":
        draw.line((20, 236, 128, 40), fill=ink, width=14)
        draw.line((236, 236, 128, 40), fill=ink, width=14)
        draw.line((60, 150, 196, 150), fill=(240, 240, 240), width=6)
    elif motif == "cross":
        draw.rectangle((103, 48, 153, 208), fill=ink)
        draw.rectangle((48, 103, 208, 153), fill=ink)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
