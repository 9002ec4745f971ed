"""The ready and size table of bench_attention.py: bertviz beside ours, per length and view."""

from __future__ import annotations

from browser_timing import ratio_range


def table(rows: list[dict], labels: list[str], repeat: int = 1, bertviz_repeat: int = 1) -> None:
    fmt = lambda v, f: "—" if v is None else format(v, f)  # noqa: E731
    print(
        f"\nready: median of {repeat} (ours), {bertviz_repeat} (bertviz); ours is the later of "
        "page_ready's and drawn (when our view had drawn); ×sooner: median (range) of each round's ratio"
        f"\n{'tokens':>9} {'view':>5} | {'bertviz MB':>10} {'ours MB':>8} {'×smaller':>8} | "
        f"{'bertviz s':>9} {'ours s':>7} {'×sooner':>15} {'drawn s':>7} | {'hover p50/p95 ms: bertviz':>25} {'ours':>9}"
    )
    for n in labels:
        for view in ("head", "model"):
            found = {r["tool"]: r for r in rows if (r["tokens"], r["view"]) == (n, view)}
            ours, bv = found.get("ours"), found.get("bertviz")
            if ours is None:
                continue
            hover = lambda r: (  # noqa: E731
                "—" if r is None else f"{fmt(r['hover_p50'], '.0f')}/{fmt(r['hover_p95'], '.0f')}"
            )
            ratio = "—"
            if bv:
                mid, lo, hi = ratio_range(bv["ready_runs"], ours["ready_runs"])
                ratio = f"{mid:.0f} ({lo:.0f}–{hi:.0f})"
            print(
                f"{n:>9} {view:>5} | {fmt(bv and bv['bytes'] / 1e6, '10.1f'):>10} {ours['bytes'] / 1e6:>8.2f} "
                f"{fmt(bv and bv['bytes'] / ours['bytes'], '8.0f'):>8} | "
                f"{fmt(bv and bv['ready_ms'] / 1e3, '9.2f'):>9} {ours['ready_ms'] / 1e3:>7.2f} "
                f"{ratio:>15} "
                f"{fmt(ours['drawn_ms'] and ours['drawn_ms'] / 1e3, '7.2f'):>7} | {hover(bv):>25} {hover(ours):>9}"
            )
