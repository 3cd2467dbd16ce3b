"""The pull engine: what happens in the accounting package comes back to the host."""
