"""Helpers shared by the three backend trainers (no backend imports here)."""


def split_aux(result):
    """A loss function returns `loss` or `(loss, aux)`; always give `(loss, aux)`."""
    if isinstance(result, tuple):
        return result
    return result, None
