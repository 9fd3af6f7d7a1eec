"""`oracle up`, `oracle down`, `oracle status` — both are idempotent."""
from __future__ import annotations

from oracle import embedded
from oracle.context import Context
from oracle.db.session import upgrade
from oracle.keystore import ROLES, Keyring, generate_dev_keystores
from oracle.secrets import keystore_passphrase


def up(ctx: Context, quiet: bool = False) -> None:
    settings = ctx.settings
    say = (lambda *_: None) if quiet else print
    if settings.embedded_db:
        url = embedded.start_postgres(settings)
        ctx.__dict__["database_url"] = url
        say(f"PostgreSQL (embedded) running, data in {settings.pgdata}")
    upgrade(ctx.database_url)
    say("database schema up to date")
    if not settings.production:
        generate_dev_keystores(settings)
    roles = {role: Keyring(settings).address(role) for role in ROLES}
    if settings.embedded_chain:
        rpc = embedded.start_anvil(settings)
        say(f"anvil running at {rpc}, state in {settings.anvil_dir}")
        embedded.fund_dev_accounts(settings, list(roles.values()))
        if not settings.manifest_path.exists():
            say("deploying the platform contracts (first start of this chain)…")
            embedded.deploy_contracts(settings, roles, keystore_passphrase(settings))
        say(f"deployment manifest: {settings.manifest_path}")
    else:
        ctx.chain  # checks the configured chain and manifest
        say(f"chain {settings.effective_rpc_url} (chain id {settings.effective_chain_id}), manifest "
            f"{settings.manifest_path}")
    from oracle.doctor import warn_if_disagreeing  # does the database still match the chain? (never fails `up`)
    warn_if_disagreeing(ctx, quiet)


def down(ctx: Context) -> None:
    settings = ctx.settings
    if settings.embedded_chain:
        print("anvil stopped" if embedded.stop_anvil(settings) else "anvil was not running")
    if settings.embedded_db:
        print("PostgreSQL stopped" if embedded.stop_postgres(settings) else "PostgreSQL was not running")


def status(ctx: Context) -> dict:
    settings = ctx.settings
    return {
        "home": str(settings.home),
        "database": "configured" if not settings.embedded_db else (
            "running" if embedded.postgres_url_if_running(settings) else "stopped"),
        "chain": settings.effective_rpc_url if not settings.embedded_chain else (
            f"anvil running at {settings.effective_rpc_url}" if embedded.anvil_running(settings) else "stopped"),
        "manifest": str(settings.manifest_path) if settings.manifest_path.exists() else None,
    }
