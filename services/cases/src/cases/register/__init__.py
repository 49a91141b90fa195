"""The systemic-issue register: the office's own observations on patterns across cases."""
