"""``lockstep synth``: write a synthetic benchmark dataset with ground truth."""

from __future__ import annotations

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
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv", "jsonl"]), default="parquet",
              show_default=True, help="File format of posts and accounts.")
@click.option("--difficulty", type=click.Choice(["easy", "default", "hard"]), default=None,
              help="Preset for delays, edit rates, camouflage share and profile tells (default: default).")
@click.option("--profile", "profile_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="TOML file of profile fields (may start from difficulty = \"hard\").")
@json_option
def synth(posts: int, seed: int, out: Path, networks: int | None, days: int | None, fmt: str,
          difficulty: str | None, profile_file: Path | None, as_json: bool) -> None:
    """Generate a synthetic dataset with planted influence operations and ground truth.

    Writes posts.<fmt> and accounts.<fmt> in Lockstep's own format (ingest them with
    `lockstep ingest OUT/posts.parquet OUT/accounts.parquet`), truth.csv (platform, account_id,
    network_id, operation_style, negative_group) and manifest.json (seed, parameters, counts,
    planted UTC offsets). Score a detection run with `lockstep evaluate --truth OUT/truth.csv`.
    """
    from lockstep.synth import generate, load_profile, preset, write_dataset
    from lockstep.synth.profile import validate

    if difficulty and profile_file:
        raise ConfigError("Give either --difficulty or --profile, not both (a profile file may set "
                          "difficulty = \"hard\" itself).")
    profile = load_profile(profile_file) if profile_file else preset(difficulty or "default")
    if days is not None:
        profile = validate(replace(profile, days=days), "--days")
    t0 = time.perf_counter()
    data = generate(posts=posts, seed=seed, profile=profile, networks=networks)
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
    if as_json:
        print_json(summary)
        return
    print_table(f"lockstep synth -> {out}", ["posts", "accounts", "networks", "seconds"],
                [(summary["posts"], summary["accounts"], summary["networks"], summary["seconds"])])
    print_table("accounts per style", ["style", "accounts"], list(counts["accounts_per_style"].items()))
    print_table("hard-negative groups", ["group", "accounts"], list(counts["accounts_per_negative_group"].items()))
