"""Live updates: the changes feed the tablets poll (new observations and alerts since a cursor)."""
