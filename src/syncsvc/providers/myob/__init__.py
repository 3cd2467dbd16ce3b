"""MYOB Business / AccountRight Live (and Essentials on that platform): its facts (spec.py).
The adapter and sandbox come with its own issue."""
