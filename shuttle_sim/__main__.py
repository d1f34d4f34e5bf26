"""``python -m shuttle_sim``: the ``shuttle-sim`` command."""

import sys

from .cli import main

sys.exit(main())
