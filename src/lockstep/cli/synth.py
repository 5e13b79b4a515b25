"""``lockstep synth``: write a synthetic benchmark dataset with ground truth."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from pathlib import Path

import click

from lockstep.cli.common import OutPath, err_console, json_option, print_json, print_table
from lockstep.errors import ConfigError


@click.command()
@click.option("--posts", type=int, default=1_000_000, show_default=True, help="Number of posts to generate.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed; the same seed gives the same files.")
@click.option("--out", type=OutPath(folder=True), required=True,
              help="Folder to write posts, accounts, truth.csv and manifest.json into.")
@click.option("--networks", type=int, default=None,
              help="Number of planted operations (default: enough for ~3% of accounts, at least 8).")
@click.option("--days", type=int, default=None, help="Length of the time window in days (default 30).")
@click.option("--quiet-days", type=int, default=None,
              help="Days of crowd history before any operation acts (default 0); the operations act over the "
                   "remaining --days (bench/follow.py's warm-up).")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv", "jsonl"]), default="parquet",
              show_default=True, help="File format of posts and accounts.")
@click.option("--difficulty", type=click.Choice(["easy", "default", "hard"]), default=None,
              help="Preset for delays, edit rates, camouflage share and profile tells (default: default).")
@click.option("--profile", "profile_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="TOML file of profile fields (may start from difficulty = \"hard\").")
@click.option("--embed", "embed_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="IRA tweets CSV (FiveThirtyEight/Clemson layout, may be gzipped) whose real timelines are "
                   "placed into the crowd, time-shifted, with truth rows (operation_style ira_<category>).")
@click.option("--embed-labels", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="CSV of author,account_category (such as authors.csv) giving each embedded account's "
                   "persona (default: the file's own account_category column).")
@click.option("--embed-week", type=int, default=1, show_default=True,
              help="Which week of the file to embed: week 1 starts on the first day in the file.")
@click.option("--embed-start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Embed from this date (YYYY-MM-DD) instead of --embed-week.")
@click.option("--embed-weeks", type=int, default=1, show_default=True,
              help="How many consecutive weeks to embed (the window must be long enough: see --days).")
@click.option("--style-habits", type=click.FloatRange(0, 1), default=None,
              help="Share of generated accounts with personal writing habits (capitals, end marks, emoji, "
                   "spacing). Default: 0.6 with --embed, else the profile's (0).")
@json_option
def synth(posts: int, seed: int, out: Path, networks: int | None, days: int | None, quiet_days: int | None, fmt: str,
          difficulty: str | None, profile_file: Path | None, embed_file: Path | None, embed_labels: Path | None,
          embed_week: int, embed_start: dt.datetime | None, embed_weeks: int, style_habits: float | None,
          as_json: bool) -> None:
    """Generate a synthetic dataset with planted influence operations and ground truth.

    Writes posts.<fmt> and accounts.<fmt> in Lockstep's own format (ingest them with
    `lockstep ingest OUT/posts.parquet OUT/accounts.parquet`), truth.csv (platform, account_id,
    network_id, operation_style, negative_group) and manifest.json (seed, parameters, counts,
    planted UTC offsets). Score a detection run with `lockstep evaluate --truth OUT/truth.csv`.

    With --embed FILE, real labelled timelines (a slice of the IRA tweets) are added to the --posts
    generated ones: read with the ira_csv ingest adapter, shifted by whole weeks into the window
    (weekday and hour kept), given sub-minute jitter, their words rendered into the crowd's
    vocabulary, and 60% of the generated accounts get personal writing habits (--style-habits);
    truth.csv gains an embedded_posts column (see docs/benchmark.md).
    """
    from lockstep.synth import generate, load_profile, preset, write_dataset
    from lockstep.synth.profile import validate

    if difficulty and profile_file:
        raise ConfigError("Give either --difficulty or --profile, not both (a profile file may set "
                          "difficulty = \"hard\" itself).")
    profile = load_profile(profile_file) if profile_file else preset(difficulty or "default")
    if days is not None:
        profile = validate(replace(profile, days=days), "--days")
    if quiet_days is not None:
        profile = validate(replace(profile, quiet_days=quiet_days), "--quiet-days")
    t0 = time.perf_counter()
    if embed_file is None and (embed_labels or embed_start or embed_week != 1 or embed_weeks != 1):
        raise ConfigError("--embed-labels, --embed-week, --embed-start and --embed-weeks need --embed FILE.")
    if style_habits is not None:
        profile = validate(replace(profile, style_habits=style_habits), "--style-habits")
    data = generate(posts=posts, seed=seed, profile=profile, networks=networks)
    if embed_file is not None:
        from lockstep.synth.embed import EmbedSpec, embed

        spec = EmbedSpec(path=embed_file, labels=embed_labels, week=embed_week, weeks=embed_weeks,
                         start=embed_start.date() if embed_start else None,
                         style_habits=EmbedSpec.style_habits if style_habits is None else style_habits)
        data = embed(data, spec.validate(), seed=seed)
    if not as_json:
        err_console.print(f"generated {data.n_posts:,} posts in {time.perf_counter() - t0:.1f} s; writing ...",
                          highlight=False)
    paths = write_dataset(data, out, fmt)
    counts = data.manifest["counts"]
    summary = {"out": str(out), "files": {k: str(v) for k, v in paths.items()}, "seed": seed,
               "posts": counts["posts"], "accounts": counts["accounts"],
               "networks": len(data.manifest["networks"]),
               "accounts_per_style": counts["accounts_per_style"],
               "accounts_per_negative_group": counts["accounts_per_negative_group"],
               "seconds": round(time.perf_counter() - t0, 2)}
    if "embedded" in data.manifest:
        summary["embedded"] = data.manifest["embedded"]
    if as_json:
        print_json(summary)
        return
    print_table(f"lockstep synth -> {out}", ["posts", "accounts", "networks", "seconds"],
                [(summary["posts"], summary["accounts"], summary["networks"], summary["seconds"])])
    print_table("accounts per style", ["style", "accounts"], list(counts["accounts_per_style"].items()))
    print_table("hard-negative groups", ["group", "accounts"], list(counts["accounts_per_negative_group"].items()))
    if "embedded" in summary:
        e = summary["embedded"]
        print_table(f"embedded from {e['file']}: {e['slice']['from']} to {e['slice']['to']}, shifted "
                    f"{e['shift_days']} days", ["posts", "accounts", "exact repeats folded", "weekday and hour kept"],
                    [(e["posts"], e["accounts"], e["exact_repeats_folded"], e["weekday_and_hour_kept"])])
