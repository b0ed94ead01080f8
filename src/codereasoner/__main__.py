"""`python -m codereasoner` is the `codereasoner` command."""

from codereasoner.cli.main import main

raise SystemExit(main())
