"""Outgoing webhooks (Standard Webhooks): outbox, endpoints, signing, SSRF guard, delivery."""
