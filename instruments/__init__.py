"""Questionnaires as validated data: the schema, the registry of shipped instruments, synthetic responses."""
