"""docs/benchmarks.png: whole-process time and peak RSS against input size, by approach."""

from __future__ import annotations

from pathlib import Path

from harness.bench.report import TARGET_RSS_MB, awk_timeout_of
from harness.bench.runner import APPROACHES_OF, Measurement
from harness.bench.units import KIB, MIB


def write_chart(runs: list[Measurement], path: Path) -> None:
    import matplotlib  # noqa: PLC0415  (plotting is the last step; the rest runs without it)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplots(2, 2, figsize=(11, 8), sharex=True)
    styles = {"function": "o-", "core": "s-", "naive": "^--", "awk": "x:"}
    panels = {"wide": ("wide", "mixed"), "tall": ("tall",)}
    for column, (panel, shapes) in enumerate(panels.items()):
        for shape in shapes:
            for approach in APPROACHES_OF[shape]:
                series = sorted(
                    (r for r in runs if r.approach == approach and r.input.shape == shape),
                    key=lambda r: r.input.size,
                )
                label = approach if shape != "mixed" else f"{approach}, varying widths"
                style = styles[approach] if shape != "mixed" else styles[approach][:-1] + "-."
                sizes = [r.input.size / MIB for r in series]
                seconds = [
                    r.process_seconds if r.process_seconds is not None else float("nan")
                    for r in series
                ]
                rss = [r.peak_rss_kib / KIB if r.peak_rss_kib else float("nan") for r in series]
                axes[0][column].plot(sizes, seconds, style, label=label)
                axes[1][column].plot(sizes, rss, style, label=label)
                for run in series:
                    if run.process_seconds is None and run.note.startswith("stopped"):
                        stopped = (run.input.size / MIB, awk_timeout_of(run))
                        axes[0][column].plot(*stopped, "r^")
                        axes[0][column].annotate(
                            f"{label} {run.note}  ", stopped, fontsize=8, va="center", ha="right"
                        )
        axes[0][column].set_title(
            "huge line 2 (wide, mixed)" if panel == "wide" else "short line 2, many rows (tall)"
        )
        axes[1][column].axhline(
            TARGET_RSS_MB * 1e6 / MIB, color="grey", linewidth=0.8, linestyle="--"
        )
        for row in (0, 1):
            axes[row][column].set_xscale("log")
            axes[row][column].set_yscale("log")
            axes[row][column].grid(True, which="both", linewidth=0.3)
        axes[1][column].set_xlabel("input size (MiB)")
    axes[0][0].set_ylabel("whole process time (s)")
    axes[1][0].set_ylabel("peak RSS (MiB)")
    axes[0][0].legend(fontsize=8)
    axes[0][1].legend(fontsize=8)
    figure.suptitle("pipesum: whole-process time and peak RSS against input size")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
