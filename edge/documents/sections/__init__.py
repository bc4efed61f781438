"""One builder per CDA body section of the EHPAD documents (DLU, FLUDT)."""
