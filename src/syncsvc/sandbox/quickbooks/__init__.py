"""The QuickBooks Online emulator (served under `/quickbooks`)."""
