"""The per-tenant events feed, and (later) signed deliveries to the host."""
