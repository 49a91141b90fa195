"""Queries and mutations, one module per domain; schema.py merges them."""
