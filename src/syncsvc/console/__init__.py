"""The operations console: server-rendered pages over the admin token, for people on call."""
