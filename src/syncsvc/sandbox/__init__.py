"""Emulated accounting packages (OAuth server, API, control surface) for tests and demos."""
