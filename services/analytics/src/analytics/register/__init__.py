"""Systemic-issue register entries the chief published for the annual report."""
