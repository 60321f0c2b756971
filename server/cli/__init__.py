"""Command-line entry points (`flask --app wsgi ...`): parse arguments, call a service, print."""
