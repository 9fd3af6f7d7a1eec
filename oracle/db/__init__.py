"""The oracle's data layer: schema, migrations, sessions, encryption of personal data."""
