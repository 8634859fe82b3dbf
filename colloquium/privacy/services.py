"""Retention: each domain registers the steps that delete or anonymise what it no longer needs.

A step is a function taking no argument, doing its work in the current ``db.session`` (flush,
no commit) and returning how many records it removed or anonymised. Register one with
``@retention_step("name", "what it does")``; ``flask privacy purge`` runs them all, daily.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from colloquium.extensions import db


@dataclass(frozen=True)
class RetentionStep:
    name: str
    description: str
    run: Callable[[], int]


@dataclass(frozen=True)
class RetentionResult:
    step: RetentionStep
    count: int = 0
    error: str | None = None


_steps: dict[str, RetentionStep] = {}


def retention_step(name: str, description: str) -> Callable[[Callable[[], int]], Callable[[], int]]:
    """Register the decorated function as the retention step ``name``."""

    def register(run: Callable[[], int]) -> Callable[[], int]:
        _steps[name] = RetentionStep(name, description, run)
        return run

    return register


def retention_steps() -> list[RetentionStep]:
    """Every registered step, in the order they were registered."""
    return list(_steps.values())


def apply_retention() -> list[RetentionResult]:
    """Run every retention step, each in its own transaction; one failing spares the others."""
    results = []
    for step in retention_steps():
        try:
            count = step.run()
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            current_app.logger.exception("Retention step %s failed", step.name)
            results.append(RetentionResult(step, error=f"{type(error).__name__}: {error}"))
        else:
            results.append(RetentionResult(step, count))
    return results
