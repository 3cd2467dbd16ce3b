"""Framework-free helpers: money, time, hashing, token cipher, signatures. Imports no feature."""
