"""Relais web: the care staff's tablet application (Flask, served by waitress)."""

__all__: list[str] = []
