"""What the harness and the tests share: console output, paths, the reference transform, inputs.

Imports only the function's package (`pipesum`), never `harness` or `tests`. The function's
package lives in function/ (the root of what is deployed), which is not on the path of
`python -m harness.X` run from the checkout: importing kit puts it there, after what
PYTHONPATH names, so that a bench of another revision's package still finds that one first.
"""

from __future__ import annotations

import sys
from pathlib import Path

_FUNCTION_ROOT = str(Path(__file__).resolve().parent.parent / "function")
if _FUNCTION_ROOT not in sys.path:
    sys.path.append(_FUNCTION_ROOT)
