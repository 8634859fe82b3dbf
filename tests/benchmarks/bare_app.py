"""The baseline of ``read_pages.py``: a bare Flask app rendering a template from memory.

``/bare/<bytes>`` renders one Jinja template compiled once (a list of escaped rows, padded)
to exactly that many bytes: what HTTP, a gunicorn worker, Flask and Jinja cost for a page of
that size, with none of Colloquium and no database.
"""

from flask import Flask

app = Flask(__name__)
ROW = {"time": "09:30", "title": "Atelier : accompagner les victimes", "room": "Salle 2"}
TEMPLATE = app.jinja_env.from_string(
    "<!doctype html><html><body><ul>{% for row in rows %}"
    "<li><time>{{ row.time }}</time> {{ row.title }} <span>{{ row.room }}</span></li>"
    "{% endfor %}</ul>{{ pad }}</body></html>"
)
ROW_BYTES = len(TEMPLATE.render(rows=[ROW, ROW], pad="")) - len(TEMPLATE.render(rows=[ROW]))
EMPTY_BYTES = len(TEMPLATE.render(rows=[], pad=""))
SHAPES: dict[int, tuple[list, str]] = {}


@app.get("/")
def ready():
    """For warming up the workers."""
    return "ok"


@app.get("/bare/<int:size>")
def bare(size: int):
    """The template rendered to ``size`` bytes."""
    if size not in SHAPES:
        count = max(0, (size - EMPTY_BYTES) // ROW_BYTES)
        pad = "x" * max(0, size - EMPTY_BYTES - count * ROW_BYTES)
        SHAPES[size] = ([dict(ROW) for _ in range(count)], pad)
    rows, pad = SHAPES[size]
    return TEMPLATE.render(rows=rows, pad=pad)
