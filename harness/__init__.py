"""The harness: deploys the pipeline to a target, drives it, and measures it."""

import kit  # noqa: F401  (puts the function's package on the path: the harness reads its key layout)
