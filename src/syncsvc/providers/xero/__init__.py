"""Xero: spec (facts), client (typed HTTP and the one error boundary), mapping, adapter."""
