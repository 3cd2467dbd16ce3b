"""The Xero emulator: OAuth2 server, connections, accounting API, limits, control surface."""
