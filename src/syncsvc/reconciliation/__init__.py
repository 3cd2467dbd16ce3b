"""Reconciliation: prove the host and the accounting package agree, and fix what does not."""
