"""Prints the GraphQL SDL (committed as docs/schema.graphql; a test guards the drift)."""

from gateway.graphql.schema import build_schema

if __name__ == "__main__":
    print(build_schema().as_str())
