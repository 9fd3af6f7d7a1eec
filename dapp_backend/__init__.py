"""The dApp's backend: a Flask application over the oracle's database and chain client (see app.create_app)."""
