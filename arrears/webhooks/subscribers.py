"""Event subscribers of the webhooks app (registered when the app is ready)."""
