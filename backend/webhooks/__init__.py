"""Signed webhooks: subscriptions, a persisted delivery outbox and the threads that deliver it."""
