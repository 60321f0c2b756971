"""Persistence: tables (models) and every query. Services call these; nothing else touches SQL."""
