"""Time `build_bundle` + JSON writing for many networks and indicators (issue: <= 60 s for
1,000 networks with 100,000 indicators).

    python bench/stix_export.py [--networks 1000] [--members 38]

Each network gets ``members`` accounts (2 indicators each: handle and id), 10 domains + 10 URLs and
4 copy-pasted texts that only its members post, so indicators = networks * (2 * members + 24).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from stix2validator import ValidationOptions, validate_instance

from lockstep.share.stix import build_bundle, check_sample, write_bundle
from lockstep.store import Store


def populate(store: Store, networks: int, members: int) -> None:
    con = store.con
    con.execute(f"""CREATE TEMP TABLE m AS SELECT n AS network_id, i, 'acc' || n || '_' || i AS account_id
                    FROM range(1, {networks} + 1) r(n), range({members}) s(i)""")
    con.execute("""INSERT INTO networks (dataset, network_id, size, score, traces, first_activity, last_activity, why,
                     attribution_hint, utc_offset_confidence)
                   SELECT 'bench', network_id, count(*), 0.9, ['co_link', 'co_text'], TIMESTAMP '2024-01-01',
                          TIMESTAMP '2024-02-01', 'planted network ' || network_id, 'RU (hint)', 0.6
                   FROM m GROUP BY network_id""")
    con.execute("INSERT INTO members (dataset, network_id, platform, account_id, score) "
                "SELECT 'bench', network_id, 'twitter', account_id, 0.9 FROM m")
    con.execute("INSERT INTO accounts (dataset, platform, account_id, handle) "
                "SELECT 'bench', 'twitter', account_id, 'handle_' || account_id FROM m")
    con.execute("""INSERT INTO posts (dataset, platform, post_id, account_id, handle, time, text, urls, domains,
                     hashtags, mentions, media_hashes)
                   SELECT 'bench', 'twitter', account_id || '_' || j, account_id, 'handle_' || account_id,
                          TIMESTAMP '2024-01-01' + INTERVAL (i * 60 + j) MINUTE, CASE WHEN j = 0 THEN 'Network ' || network_id || ' says: message ' || ((i + j) % 4) || ', share it now'
                               ELSE 'unique text ' || account_id || j END,
                          ['https://net' || network_id || '-site' || ((i + j) % 10) || '.com/a' || ((i + j) % 10)],
                          ['net' || network_id || '-site' || ((i + j) % 10) || '.com'], [], [], []
                   FROM m, range(3) r(j)""")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--networks", type=int, default=1000)
    ap.add_argument("--members", type=int, default=38)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.duckdb") as store:
        t = time.perf_counter()
        populate(store, args.networks, args.members)
        print(f"populated {args.networks} networks in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        bundle = build_bundle(store, "bench", None, "amber", None, "Bench org")
        built = time.perf_counter() - t
        t = time.perf_counter()
        size = write_bundle(bundle, Path(tmp) / "bundle.json")
        written = time.perf_counter() - t
        counts = Counter(o["type"] for o in bundle["objects"])
        total = built + written
        print(f"objects {len(bundle['objects'])}: indicators {counts['indicator']}, relationships "
              f"{counts['relationship']}, intrusion-sets {counts['intrusion-set']}; {size / 1e6:.1f} MB")
        print(f"build {built:.1f} s + write {written:.1f} s = {total:.1f} s "
              f"(target 60 s: {total / 60:.2f} of budget)")
        t = time.perf_counter()
        checked = check_sample(bundle, k=200)
        sample = {"type": "bundle", "id": bundle["id"], "objects": bundle["objects"][:300]}
        ok = validate_instance(sample, ValidationOptions()).is_valid
        print(f"stix2 parsed {checked} sampled objects, stix2-validator on 300 objects valid={ok} "
              f"({time.perf_counter() - t:.1f} s)")


if __name__ == "__main__":
    main()
