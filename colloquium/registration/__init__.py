"""Attendee registration: double opt-in, seats, waiting list, self-service."""
