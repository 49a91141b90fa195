"""Signed webhooks (Standard Webhooks): subscriptions, the delivery outbox and its log."""
