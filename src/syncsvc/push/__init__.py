"""The push engine: claim due records, order by dependency, batch, call the provider, record."""
