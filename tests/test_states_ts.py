"""js/src/shared/states.ts (each widget's trait names and types for the front-end's typed models) is
generated from the Python widgets: it must match them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_states_ts_is_current():
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_states.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
