"""Retention rules, applied daily by ``flask privacy purge``."""
