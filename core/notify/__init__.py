"""Outgoing email: one module that renders, queues (outbox) and sends over SMTP."""
