"""Customer import: the accounting package's customers matched to the host's, or offered to it."""
