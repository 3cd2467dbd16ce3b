"""syncsvc: two-way sync between a job-management host and accounting packages."""

__version__ = "0.1.0"
