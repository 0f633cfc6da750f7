"""One module per URL; each exposes `layout(**query)` and registers its callbacks."""
