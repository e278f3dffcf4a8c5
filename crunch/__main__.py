"""Allow ``python -m crunch``."""

from crunch.cli import main

raise SystemExit(main())
