"""Progress bars for the long steps of `ombuds up` and `ombuds demo` (migrations, the demo load).

On a terminal a bar redraws in place on stderr, and the step lines it replaces are not
printed; anywhere else (a log file, a test, CI) there is no bar and the step lines say the
same, one per step.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from tqdm import tqdm


def bar(total: int, label: str, unit: str) -> tqdm[NoReturn]:
    """A bar of `total` steps; disabled (and `.disable` true) when stderr is not a terminal."""
    return tqdm(
        total=total,
        desc=f"  {label}",
        unit=f" {unit}",
        file=sys.stderr,
        disable=None,  # tqdm's "only on a terminal"
        leave=False,  # the status line that follows says it is done
        dynamic_ncols=True,
    )
