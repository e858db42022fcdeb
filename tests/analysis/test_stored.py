"""The stored runs' module: what it makes JSON-safe, and that reading runs needs no numpy."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from hearten.analysis.stored import json_safe


def test_json_safe_makes_numpy_scalars_and_tuples_plain_and_non_finite_numbers_none() -> None:
    safe = json_safe(
        {"a": (np.float64(1.5), np.int64(2), np.bool_(True)), "b": [math.nan, np.inf, -math.inf]}
    )
    assert safe == {"a": [1.5, 2, True], "b": [None, None, None]}
    assert [type(v) for v in safe["a"]] == [float, int, bool]


def test_reading_stored_runs_imports_no_numpy(tmp_path: Path) -> None:
    """The reports import the module to read runs; numpy is imported only to store one."""
    code = (
        "import sys, django; django.setup()\n"
        "import hearten.analysis.stored\n"
        "print('numpy' in sys.modules)\n"
    )
    env = {
        **os.environ,
        "HEARTEN_HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "hearten.web.settings",
    }
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False"], "import numpy inside the function that needs it"
