"""Command-line commands of the pure-Python core."""
