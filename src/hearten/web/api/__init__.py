"""The HTTP API (``/api/v1/``): token-authenticated JSON over the same services as the command
line and the staff pages (docs/how-to/api.md)."""
