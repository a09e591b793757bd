"""Meaning, from WordLlama: a static (word-vector) sentence embedding whose 256-dim weights ship in its wheel.

Why this model: it installs from PyPI with its weights inside, loads in a fraction of a second and embeds
a short query in well under a millisecond on one CPU core (bench/faq_autocomplete.py), so a keystroke can
afford it; transformer models need a download at run time and tens of milliseconds per query.

Offline: WordLlama looks for its tokenizer under `<package>/tokenizer/`, but the wheel puts it in
`<package>/tokenizers/`, so with the default cache it would try to download it. Passing the package folder
as `cache_dir` makes both files resolve inside the wheel, and `disable_download=True` turns any miss into
an error instead of a network call (tests/library/test_faq_engine.py runs it with the network disabled).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

Matrix = npt.NDArray[np.float32]


@lru_cache(maxsize=1)
def _model() -> Any:
    """Loaded once per process and shared: the weights are read-only.

    BLAS is limited to one thread for the whole process: every product here is a few megabytes at most,
    and on a busy 2-core machine OpenBLAS's worker threads made a 10,000-entry keystroke several times
    slower (bench/README.md). The bot does no large linear algebra anywhere else.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    import wordllama  # imported here so `content check` and tools that never search stay fast

    for handler in [h for h in root.handlers if h not in handlers]:  # wordllama calls basicConfig on import
        root.removeHandler(handler)
    root.setLevel(level)

    threadpool_limits(limits=1, user_api="blas")

    return wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


class Embedder:
    def __init__(self) -> None:
        self._model = _model()

    def embed(self, texts: list[str]) -> Matrix:
        """Unit vectors, one row per text; an empty text gets a zero row (similar to nothing)."""
        vectors: Matrix = np.asarray(self._model.embed(texts, norm=False), dtype=np.float32)
        lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: Matrix = np.divide(vectors, lengths, out=np.zeros_like(vectors), where=lengths > 0)
        return unit
