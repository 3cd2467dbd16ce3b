"""Tenants, their API keys, and the authentication dependencies."""
