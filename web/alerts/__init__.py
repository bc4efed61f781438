"""The Alertes page: open NEWS2 alerts with the values that caused them, and acknowledging them."""
