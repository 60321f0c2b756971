"""Pure domain code: checklists, scoring, rules. No Flask, SQLAlchemy, boto3 or WeasyPrint here."""
