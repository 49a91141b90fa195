"""The cases service: ombudsman cases, holding only an opaque visitor reference."""
