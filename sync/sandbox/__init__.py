"""The sandbox: local stand-ins for the national services (DMP, MSSanté SMTP and IMAP), a test CA and
fault injection, used by the demo and the tests (`python -m sync.sandbox`)."""
