"""Normalization and SHA-256 hashing of PII exactly as Amazon Marketing Cloud matches it."""
