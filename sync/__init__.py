"""Relais sync: delivers the outbox to the national services (DMP, MSSanté) when they can be reached."""

__all__: list[str] = []
