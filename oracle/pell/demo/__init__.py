"""`oracle pell demo`: the PELL-IP demo end to end on the embedded setup — eight municipalities of Liguria
generated (oracle.pell.demo.generate, assumptions in README.md here), imported, their submitters made and
authorized, everything certified; the demo auditor wallet becomes Liguria's regional administrator.
Idempotent: a second run imports nothing new and certifies only months completed since."""

from __future__ import annotations

from datetime import UTC, datetime

from oracle.context import Context


def run_pell_demo(ctx: Context, now: datetime | None = None) -> None:
    from oracle.lifecycle import up
    from oracle.pell.certify import certify
    from oracle.pell.demo.generate import REGION, TOWNS, write_files
    from oracle.pell.importer import import_file

    now = now or datetime.now(UTC)
    print("== PELL-IP public lighting: eight municipalities of Liguria")
    up(ctx, quiet=True)
    paths = write_files(ctx.settings.home / "pell-demo", now)
    for kind in ("municipalities", "plants", "consumption"):
        print("   " + import_file(ctx, paths[kind], "csv", now=now).sentence())
    summary = certify(ctx, now=now)
    print("   " + summary.sentence())
    reserved = ", ".join(t.name for t in TOWNS if t.reserved)
    print(f"   reserved datasets: {reserved}; the others are open")
    print("   " + _regional_administrator(ctx, REGION))
    print("   check them:  oracle pell verify --municipality 010025")


def _regional_administrator(ctx: Context, region: str) -> str:
    """The demo auditor wallet (dapp demo-wallets) administers the region, on the development setup only."""
    from oracle.pell.viewers import grant

    if ctx.settings.production:
        return f"grant a regional administrator of {region}: oracle pell grant --region {region} --address 0x…"
    from dapp_backend.demo_wallets import DEMO_AUDITOR, demo_account

    auditor = demo_account(ctx.settings, DEMO_AUDITOR)
    grant(ctx, auditor.address, region=region, by=ctx.keyring.address("platform_admin"))
    return f"regional administrator of {region}: {auditor.address} (the {DEMO_AUDITOR} wallet of `dapp demo-wallets`)"
