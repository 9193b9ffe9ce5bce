"""The `cairn` command line for operators: one module per group of commands."""
