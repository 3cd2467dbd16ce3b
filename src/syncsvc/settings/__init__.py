"""A tenant's account codes, switches and overrides; which account a line lands in."""
