"""Accounting packages behind one protocol: one package per provider, the same shape each."""
