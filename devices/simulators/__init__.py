"""Simulated devices (serial on pty pairs, an HL7 monitor over TCP) for the demo and the tests."""
