"""``python -m hwkit`` is the ``hwkit`` command."""

import sys

from hwkit.cli import main

sys.exit(main())
