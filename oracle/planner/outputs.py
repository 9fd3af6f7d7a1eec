"""What a planning run writes: pareto.csv, pareto.png, dispatch-<k>.png and report.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from oracle.planner.front import Point
from oracle.planner.inputs import Inputs, annuity_factor


def front_table(front: list[Point]) -> pd.DataFrame:
    rows = []
    for p in front:
        row = {
            "point": p.index,
            "label": p.label,
            "cost_eur_per_year": round(p.cost, 2),
            "co2_t_per_year": round(p.co2_t, 3),
        }
        row.update({f"{name}_kw": round(v, 1) for name, v in p.capacities.items()})
        row.update(
            {
                "status": p.status,
                "mip_gap": None if p.gap is None else round(p.gap, 5),
                "seconds": round(p.seconds, 2),
                "dominated": p.dominated,
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


def write_outputs(out: Path, inputs: Inputs, front: list[Point], chosen: int, notes: list[str]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    out.mkdir(parents=True, exist_ok=True)
    table = front_table(front)
    table.to_csv(out / "pareto.csv", index=False)
    paths = [
        out / "pareto.csv",
        plot_front(out / "pareto.png", front, chosen),
        plot_dispatch(out / f"dispatch-{chosen}.png", inputs, front[chosen]),
    ]
    (out / "report.md").write_text(report(inputs, front, chosen, table, notes))
    return paths + [out / "report.md"]


def plot_front(path: Path, front: list[Point], chosen: int) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=90)
    ax.plot([p.co2_t for p in front], [p.cost / 1e3 for p in front], "o-", color="tab:blue")
    for p in front:
        ax.annotate(str(p.index), (p.co2_t, p.cost / 1e3), textcoords="offset points", xytext=(4, 4), fontsize=8)
    c = front[chosen]
    ax.plot([c.co2_t], [c.cost / 1e3], "s", color="tab:red", label=f"chosen: point {chosen}")
    ax.set_xlabel("CO₂, t/year")
    ax.set_ylabel("total annual cost, kEUR/year")
    ax.set_title("Pareto front, cost against CO₂")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def week_hours(inputs: Inputs, month: int) -> np.ndarray:
    """The steps of the first Monday-to-Sunday week starting in `month` (with typical days: the typical day
    standing for each of its days), or the whole horizon if it is a week or less."""
    tl = inputs.timeline
    if tl.day_map is None and len(tl) <= 7 * 24:
        return np.arange(len(tl))
    year = tl.times[0].year
    monday = pd.Timestamp(year=year, month=month, day=1)
    monday += pd.Timedelta(days=(7 - monday.day_of_week) % 7)
    first = monday.day_of_year - 1
    if tl.day_map is None:
        start = int(np.searchsorted(tl.times.tz_localize(None), monday))
        return np.arange(start, min(start + 7 * 24, len(tl)))
    return np.concatenate([np.arange(tl.day_map[d] * 24, tl.day_map[d] * 24 + 24) for d in range(first, first + 7)])


def plot_dispatch(path: Path, inputs: Inputs, point: Point) -> Path:
    import matplotlib.pyplot as plt

    carriers = [c for c in inputs.demand if inputs.demand[c].any()]
    labels = sorted({label for (_, label) in point.dispatch})
    colours = {label: plt.cm.tab20(i % 20) for i, label in enumerate(labels)}
    fig, axes = plt.subplots(len(carriers), 2, figsize=(12, 2.6 * len(carriers)), dpi=80, squeeze=False, sharex="col")
    for col, (month, season) in enumerate([(1, "winter week"), (7, "summer week")]):
        hours = week_hours(inputs, month)
        for row, carrier in enumerate(carriers):
            _stack(axes[row][col], inputs, point, carrier, hours, colours)
            axes[row][col].set_title(f"{carrier}, {season}", fontsize=9)
    for row in range(len(carriers)):
        axes[row][1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        axes[row][0].set_xlabel("hour of the week (from Monday 00:00)") if row == len(carriers) - 1 else None
    fig.suptitle(f"Dispatch of point {point.index} ({point.label})")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _stack(ax, inputs: Inputs, point: Point, carrier: str, hours: np.ndarray, colours: dict) -> None:
    x = np.arange(len(hours))
    flows = {label: v[hours] for (c, label), v in point.dispatch.items() if c == carrier and np.abs(v).max() > 1e-6}
    plus = {k: np.clip(v, 0, None) for k, v in flows.items() if v.max() > 1e-6}
    minus = {k: np.clip(v, None, 0) for k, v in flows.items() if v.min() < -1e-6}
    if plus:
        ax.stackplot(x, *plus.values(), labels=list(plus), colors=[colours[k] for k in plus], alpha=0.85)
    if minus:
        ax.stackplot(
            x,
            *minus.values(),
            labels=[f"{k} (use)" for k in minus],
            colors=[colours[k] for k in minus],
            alpha=0.45,
            hatch="//",
        )
    ax.plot(x, inputs.demand[carrier][hours], color="black", lw=1, label=f"{carrier} demand")
    ax.set_ylabel("kW")
    ax.grid(alpha=0.3)


def report(inputs: Inputs, front: list[Point], chosen: int, table: pd.DataFrame, notes: list[str]) -> str:
    hub, tl = inputs.hub, inputs.timeline
    lines = [
        f"# Energy-hub plan: {hub.name}",
        "",
        f"Hub file: `{hub.path}`; year {hub.year}; "
        f"site {hub.site.latitude}, {hub.site.longitude} ({hub.site.timezone}); {len(tl)} hourly steps "
        f"standing for {tl.weights.sum():,.0f} hours.",
        "",
    ]
    lines += notes + [
        "",
        "## Demands (MWh per year)",
        "",
        "| use | carrier | MWh/year | peak kW |",
        "|---|---|---|---|",
    ]
    for (use, carrier), v in inputs.by_use.items():
        lines.append(f"| {use} | {carrier} | {(v * tl.weights).sum() / 1000:,.0f} | {v.max():,.0f} |")
    lines += [
        "",
        "## Candidate technologies",
        "",
        "| name | kind | capacity | invest EUR/kW | annuity | fixed O&M | var O&M | min load | conversion |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for t in hub.technologies:
        cap = f"{t.cap_max:g} existing" if t.existing else f"{t.cap_min:g}–{t.cap_max:g}"
        conv = ", ".join(f"{c} {e:g}" for c, e in t.outputs.items()) + (f" per {t.input}" if t.input else "")
        lines.append(
            f"| {t.name} | {t.kind} | {cap} | {t.invest_per_kw:g} | "
            f"{annuity_factor(hub.discount_rate, t.lifetime):.4f} | {t.fixed_om:g} | {t.variable_om:g} | "
            f"{t.min_load:g} | {conv or t.storage.get('carrier', 'electricity')} |"
        )
    lines += [
        "",
        "## Assumptions",
        "",
        f"- Gas {hub.gas_price} EUR/kWh, {hub.gas_emission} kg CO₂/kWh; grid import "
        f"{inputs.import_price.min():.3f}–{inputs.import_price.max():.3f} EUR/kWh, export "
        f"{inputs.export_price.min():.3f}–{inputs.export_price.max():.3f} EUR/kWh, "
        f"{hub.grid_emission} kg CO₂/kWh imported; exports earn no CO₂ credit.",
        f"- Investment annualised at {hub.discount_rate:.1%} over each technology's lifetime "
        "(capital recovery factor); capacities in kW of the first output (kWh for storage).",
        "- PV: pvlib clear-sky (Ineichen) on the module plane × clearness factor, PVWatts at 25 °C, "
        "minus system losses; no weather file.",
        "- Heat and cooling may be dumped (balance ≥ demand); electricity balances exactly, export takes "
        "any surplus up to its limit. Storage is cyclic over the horizon (per typical day with typical days).",
        "",
        "## Pareto front",
        "",
        f"Chosen point: **{chosen}** ({front[chosen].label}).",
        "",
        table.to_markdown(index=False) if _has_tabulate() else _markdown(table),
        "",
    ]
    return "\n".join(lines)


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def _markdown(table: pd.DataFrame) -> str:
    head = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "---|" * len(table.columns)
    body = [
        "| "
        + " | ".join("" if v is None or v != v else f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row)
        + " |"
        for row in table.itertuples(index=False)
    ]
    return "\n".join([head, rule] + body)
