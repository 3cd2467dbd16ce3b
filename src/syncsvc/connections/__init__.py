"""The tenant's accounting connection: OAuth, token store, lookups."""
