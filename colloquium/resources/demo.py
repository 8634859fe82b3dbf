"""Demonstration brochures: two clearly fictional PDFs, drawn when the demo is loaded."""

import io
from collections.abc import Iterator

from pypdf import PageObject, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from colloquium.resources import services
from colloquium.resources.services import BrochureUpload

A4 = (595, 842)

# (French title, English title), file name, (French description, English description), the
# text of each page (all invented).
BROCHURES = [
    (
        (
            "Guide fictif de démonstration — repérer les victimes",
            "Demo guide (fictional): spotting the victims",
        ),
        "guide-fictif-reperer-les-victimes.pdf",
        (
            "Brochure fictive de démonstration\u00a0: elle tient la place du guide de repérage "
            "de la coopérative.",
            "A made-up brochure for the demo, standing in for the cooperative\u2019s guide to "
            "recognising victims.",
        ),
        [
            ["Guide fictif de démonstration", "Repérer les victimes de la traite"],
            ["Document fictif, sans valeur :", "il remplace le vrai guide dans la démonstration."],
        ],
    ),
    (
        ("Brochure fictive — rapport annuel", "Annual report (fictional brochure)"),
        "brochure-fictive-rapport-annuel.pdf",
        (
            "Brochure fictive de démonstration\u00a0: elle tient la place du rapport annuel de "
            "la coopérative.",
            "A made-up brochure for the demo, standing in for the cooperative\u2019s annual "
            "report.",
        ),
        [
            ["Brochure fictive", "Rapport annuel de démonstration"],
            ["Chiffres inventés pour la démonstration.", "Aucune donnée réelle."],
            ["Fin du document fictif."],
        ],
    ),
]


def _pdf_text(line: str) -> bytes:
    """A PDF literal string in WinAnsi (cp1252), the encoding of the page's font."""
    raw = line.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def draw_brochure(pages: list[list[str]]) -> bytes:
    """A small A4 PDF with a few lines of Helvetica on each page."""
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    for lines in pages:
        page = PageObject.create_blank_page(width=A4[0], height=A4[1])
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        commands = [b"BT /F1 22 Tf 26 TL 60 760 Td"]
        commands += [_pdf_text(line) + b" Tj T*" for line in lines]
        commands.append(b"ET")
        content = DecodedStreamObject()
        content.set_data(b"\n".join(commands))
        page[NameObject("/Contents")] = writer._add_object(content)
        writer.add_page(page)
    writer.add_metadata({"/Title": pages[0][0], "/Creator": "Colloquium (démonstration)"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def load() -> Iterator[str]:
    """Add the demo brochures that are not there yet (found by their French title)."""
    titles = {brochure.title_fr for brochure in services.list_brochures()}
    added = 0
    for (title_fr, title_en), filename, (description_fr, description_en), pages in BROCHURES:
        if title_fr in titles:
            continue
        services.add_brochure(
            BrochureUpload(
                title_fr, title_en, description_fr, description_en, filename, draw_brochure(pages)
            ),
            actor=None,
        )
        added += 1
    yield f"Brochures: {added} added." if added else "Brochures already there."
