"""The devices pages of the tablet: the device registry and pairing (administrators) and the
inbox of readings no rule could attach to a resident (carers)."""
