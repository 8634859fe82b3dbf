"""The production smoke test is run by hand or by CI (`make smoke`), never by pytest."""

collect_ignore = ["production.py"]
