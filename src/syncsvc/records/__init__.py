"""Host records in: upsert, read, delete, batch, and their sync state."""
