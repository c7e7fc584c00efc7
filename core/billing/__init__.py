"""Billing: plans (and later Stripe subscriptions, usage push, dunning)."""
