"""Outbound webhooks signed per the Standard Webhooks specification (standardwebhooks.com).

- signing:   secrets (`whsec_…`), their encryption at rest, and the `webhook-*` headers.
- endpoints: endpoint CRUD, secret rotation, and the URL safety check.
- delivery:  sending one message, the retry schedule, disabling endpoints that keep failing.
- subscriptions: which endpoints want which event type (cached per process).
"""
