from __future__ import annotations

import numpy as np

from lockstep.traces.co_image import CoImage, hamming_groups
from tests.traces._util import accounts_in, significant


def test_reused_images_fire_within_hamming_distance_and_meme_does_not() -> None:
    ex = CoImage.example()
    got = significant(CoImage(), ex.posts)
    assert got == ex.expected
    assert not any(a.startswith("m") for a in accounts_in(got))


def test_exact_matching_misses_re_encoded_copies() -> None:
    ex = CoImage.example()
    assert significant(CoImage(max_distance=0), ex.posts) == set()


def test_hamming_groups() -> None:
    v = np.array([0b1011, 0b1010, 0xFFFF_0000_FFFF_0000], dtype=np.uint64)
    g = hamming_groups(v, 2)
    assert g[0] == g[1] != g[2]


def test_hamming_groups_compare_every_pair_sharing_a_band_not_only_the_first() -> None:
    # b and c are 6 bits apart (one bit in each of six bands) and share only the top band, where
    # a (listed first, 12 and 18 bits away) also sits: linking each hash to its run's first one
    # alone would leave b and c apart.
    b = 0
    c = sum(1 << k for k in (1, 12, 22, 31, 41, 50))
    a = sum(1 << k for k in (2, 3, 13, 14, 23, 24, 32, 33, 42, 43, 51, 52))
    v = np.array([a, b, c], dtype=np.uint64)
    assert hamming_groups(v, 6).tolist() == [0, 1, 1]  # must fire: b ~ c; must not: a
    assert hamming_groups(v, 5).tolist() == [0, 1, 2]  # 6 bits apart is beyond 5
