"""``python -m readiness.cli``: the ``readiness`` command without the console script."""

import sys

from readiness.cli import main

sys.exit(main())
