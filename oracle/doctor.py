"""`oracle doctor` (and `oracle status --check`, and the end of `oracle up`): do the database and the chain agree?

Read-only. In order, each check saying "ok …" or "DISAGREE …" with what to do: the database answers and its schema
is at the migrations head; the chain answers with the configured chain id; the manifest's contracts have code;
every community's token has code; then, per community, what `oracle.epochs.reconcile` would set back (epochs,
payments, transactions, members), in dry-run mode. A check that cannot run (no database, no chain) skips those
that need it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, text

from oracle.context import Context

OK, DISAGREE = "ok", "DISAGREE"


@dataclass
class AgreementReport:
    lines: list[str] = field(default_factory=list)

    def add(self, ok: bool, sentence: str) -> bool:
        self.lines.append(f"{OK if ok else DISAGREE} {sentence}")
        return ok

    @property
    def disagreements(self) -> int:
        return sum(line.startswith(DISAGREE) for line in self.lines)

    @property
    def ok(self) -> bool:
        return self.disagreements == 0

    @property
    def summary(self) -> str:
        if self.ok:
            return "the database and the chain agree"
        n = self.disagreements
        return (
            f"{n} disagreement{'s' if n != 1 else ''} between the database and the chain (listed above, each with "
            "what to do)"
        )


def check_agreement(ctx: Context) -> AgreementReport:
    report = AgreementReport()
    database = _check_database(ctx, report)
    chain = _check_chain(ctx, report)
    if database and chain:
        _check_communities(ctx, report)
    return report


def _problem(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _check_database(ctx: Context, report: AgreementReport) -> bool:
    from alembic.script import ScriptDirectory

    from oracle.db.session import alembic_config, current_revision

    try:
        url = ctx.database_url
        with ctx.engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
        revision = current_revision(ctx.engine)
    except Exception as exc:  # a probe reports whatever stops it: a refused connection, a bad URL, no driver
        problem = _problem(exc)
        advice = "" if "`" in problem else " — start it (`oracle up`) or fix DATABASE_URL"
        return report.add(False, f"the database does not answer: {problem}{advice}")
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    if revision != head:
        return report.add(
            False, f"the database schema is at revision {revision}, this oracle needs {head}: run `oracle db upgrade`"
        )
    return report.add(True, f"the database answers (PostgreSQL {version}), schema at the migrations head ({head})")


def _check_chain(ctx: Context, report: AgreementReport) -> bool:
    settings = ctx.settings
    try:
        chain = ctx.chain  # checks that the chain answers with the configured id, and reads the manifest
    except Exception as exc:  # a probe reports whatever stops it
        return report.add(False, f"the chain does not answer as configured: {_problem(exc)}")
    report.add(True, f"the chain at {settings.effective_rpc_url} answers with chain id {chain.chain_id}")
    contracts = {name: entry["address"] for name, entry in chain.manifest["contracts"].items()}
    missing = [
        f"{name} ({address})"
        for (name, address), code in zip(contracts.items(), chain.codes_at(list(contracts.values())))
        if not code
    ]
    if missing:
        return report.add(
            False,
            f"the manifest {settings.manifest_path} names contracts that have no code on this "
            f"chain: {', '.join(missing)} — the chain lost them or the manifest is another "
            "chain's: deploy again (embedded: `oracle down`, move the home away, `oracle up`) "
            "or point LEC_MANIFEST at this chain's manifest",
        )
    return report.add(True, f"the manifest's {len(contracts)} contracts have code")


def _check_communities(ctx: Context, report: AgreementReport) -> None:
    from oracle.db.schema import Community, Epoch
    from oracle.epochs.reconcile import reconcile_community

    chain = ctx.chain
    with ctx.session() as s:
        communities = list(s.scalars(select(Community).order_by(Community.name)))
        epochs = dict.fromkeys((c.id for c in communities), 0)
        for community_id in s.scalars(select(Epoch.community_id)):
            epochs[community_id] = epochs.get(community_id, 0) + 1
    tokens = [c for c in communities if c.token_address]
    codes = dict(zip((c.id for c in tokens), chain.codes_at([c.token_address for c in tokens])))
    for community in communities:
        name = community.name
        if not community.token_address:
            report.add(False, f"community {name!r} has no token yet: run `oracle community create {name!r}` again")
            continue
        if not codes[community.id]:
            report.add(
                False,
                f"the token of {name!r} ({community.token_address}) has no code on the chain (the "
                f"chain lost the blocks that created it?): run `oracle community create {name!r}` to "
                "create it again; its members, models and epochs must then be sent again too",
            )
            continue
        try:
            sentences = reconcile_community(ctx, community, dry_run=True, log=lambda *_: None)
        except Exception as exc:  # a probe reports whatever stops it
            report.add(False, f"community {name!r} could not be checked: {_problem(exc)}")
            continue
        for sentence in sentences:
            report.add(False, sentence)
        if not sentences:
            n = epochs[community.id]
            report.add(True, f"community {name!r}: {n} epoch{'s' if n != 1 else ''}, the chain agrees")


def warn_if_disagreeing(ctx: Context, quiet: bool = False) -> None:
    """The end of `oracle up`: the check, its disagreements printed with what to do. It never fails `up`."""
    try:
        report = check_agreement(ctx)
    except Exception as exc:  # `up` has done its work; the check only informs
        print(f"could not check the database against the chain: {_problem(exc)} — run `oracle doctor`")
        return
    if report.ok:
        if not quiet:
            print(report.summary)
        return
    for line in report.lines:
        if line.startswith(DISAGREE):
            print(line)
    print(f"{report.summary}; `oracle doctor` checks again")
