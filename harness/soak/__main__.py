"""`python -m harness.soak`: see harness/soak/cli.py."""

import sys

from harness.soak.cli import main

sys.exit(main())
