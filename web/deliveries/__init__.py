"""The deliveries pages of the tablet: the *Envois* page (what waits, was sent, acknowledged, is
blocked or dead, per national service), the banner when the services cannot be reached, the
transfer to hospital (DLU + FLUDT) and a PDF added to a resident's file (N1)."""
