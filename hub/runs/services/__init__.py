"""Workflows over runs and results. Views, admin and tasks call these; models only hold data."""
