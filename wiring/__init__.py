"""The composition root: builds the long-lived parts of a process from validated settings."""
