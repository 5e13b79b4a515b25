"""Narratives: what each network pushes, when it pivots, and watchlists that alert.

Texts are embedded (:mod:`.embed`), clustered into topics labelled with class-based TF-IDF
(:mod:`.topics`), followed over time per network (:mod:`.pivots`) and matched against analysts'
watched narratives (:mod:`.watch`). Everything is kept in the store (:mod:`.tables`).
"""
