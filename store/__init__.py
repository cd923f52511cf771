"""Persistence: typed models, the one session factory, every query, and the migrations."""
