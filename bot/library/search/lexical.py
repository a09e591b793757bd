"""Words, ranked with BM25 (the bm25s library) over each entry's question, aliases and id.

Terms arrive already stemmed and stripped of stop words by `text.Normaliser`, so bm25s only counts.
"""

from __future__ import annotations

import logging

import bm25s
import numpy as np
import numpy.typing as npt

logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import: one line per index built


class Bm25:
    def __init__(self, documents: list[list[str]]) -> None:
        self._bm25 = bm25s.BM25()
        self._bm25.index([doc or [""] for doc in documents], show_progress=False)

    def scores(self, terms: tuple[str, ...]) -> npt.NDArray[np.float64]:
        """One score per document; terms the index has never seen add nothing."""
        if not terms:
            return np.zeros(self._bm25.scores["num_docs"], dtype=np.float64)
        return np.asarray(self._bm25.get_scores(list(terms)), dtype=np.float64)

    def known(self, term: str) -> bool:
        return term in self._bm25.vocab_dict
