"""``python -m hwkit`` is the ``hwkit`` command."""

import sys

from .cli import main

sys.exit(main())
