"""Child process of the power-loss test: stores observations forever, printing each id after commit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from edge.config import load_settings
from edge.datadir import open_record
from edge.observations import NewObservation, store_observations
from edge.record import CaptureMethod


def main() -> None:
    data_dir, key_file, resident = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    db = open_record(load_settings({}, {"data_dir": data_dir, "key_file": key_file}))
    value = 60 + os.getpid() % 40
    while True:
        ids = store_observations(db, [
            NewObservation("8867-4", "/min", value, CaptureMethod.DEVICE, db.now(), resident,
                           None, device_id="oxi-1")])
        sys.stdout.write(ids[0] + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
