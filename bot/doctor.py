"""``chainrule doctor`` (being written)."""


def doctor() -> int:
    raise NotImplementedError
