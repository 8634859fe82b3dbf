"""Outgoing mail: a durable outbox, delivered by a worker with retries."""
