"""Channel adapters: one module per channel behind app.channels.base.Channel."""
