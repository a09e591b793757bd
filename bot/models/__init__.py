"""Plain values that storage builds and the services hand out; below both, importing neither."""
