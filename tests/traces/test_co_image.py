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
