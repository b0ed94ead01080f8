"""The `codereasoner` command: a root parser and one module per subcommand."""
