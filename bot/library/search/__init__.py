"""FAQ retrieval: warning signs first, then words (BM25) and meaning (a static embedding model), fused.

`engine.FaqEngine` is the only entry point; the Library wraps it for the cogs and the console.
"""
