"""QuickBooks Online: its facts (spec.py). The adapter and sandbox come with its own issue."""
