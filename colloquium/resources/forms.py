"""The brochure upload form."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from colloquium.forms import Form, in_both_languages
from colloquium.resources.services import MAX_BYTES, BrochureUpload


class BrochureForm(Form):
    title_fr, title_en = in_both_languages(
        StringField, _l("Title"), required=True, validators=[Length(max=200)]
    )
    description_fr, description_en = in_both_languages(
        TextAreaField, _l("Description"), validators=[Length(max=2000)]
    )
    file = FileField(_l("PDF file"))

    def upload(self) -> BrochureUpload:
        """What was submitted, as the service takes it (the file read as bytes)."""
        data, filename = b"", ""
        if self.file.data and getattr(self.file.data, "filename", ""):
            filename = self.file.data.filename
            # One byte more than allowed is enough to say it is too large.
            data = self.file.data.stream.read(MAX_BYTES + 1)
        return BrochureUpload(
            title_fr=self.title_fr.data or "",
            title_en=self.title_en.data or "",
            description_fr=(self.description_fr.data or "").replace("\r\n", "\n"),
            description_en=(self.description_en.data or "").replace("\r\n", "\n"),
            filename=filename,
            data=data,
        )
