"""The operator command: ombuds up | migrate | token | demo."""
