"""GraphQL for frontends: one schema, resolved through the same policy as REST."""
