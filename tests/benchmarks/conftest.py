"""Benchmarks are run by hand (see each file's docstring), never by pytest."""

collect_ignore = [
    "registration_burst.py",
    "baseline_app.py",
    "reset_timing.py",
    "dataset.py",
    "read_pages.py",
    "bare_app.py",
    "handwritten_app.py",
    "growth.py",
    "scale_out.py",
]
