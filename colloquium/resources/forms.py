"""The brochure upload form."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from colloquium.forms import Form
from colloquium.resources.services import MAX_BYTES, BrochureUpload


class BrochureForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    file = FileField(_l("PDF file"))

    def upload(self) -> BrochureUpload:
        """What was submitted, as the service takes it (the file read as bytes)."""
        data, filename = b"", ""
        if self.file.data and getattr(self.file.data, "filename", ""):
            filename = self.file.data.filename
            # One byte more than allowed is enough to say it is too large.
            data = self.file.data.stream.read(MAX_BYTES + 1)
        return BrochureUpload(
            title=self.title.data or "",
            description=(self.description.data or "").replace("\r\n", "\n"),
            filename=filename,
            data=data,
        )
