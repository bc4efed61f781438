"""The Résidents pages: the list by room, one resident's page (identity, vitals, trends,
transmissions, documents), vital-signs entry, transmissions and identity actions."""
