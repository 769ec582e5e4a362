"""What `AdversarialModel.fit` does to the callback list before Keras' `fit` runs.

It sits between the guards (`ganzoo.guards`) and the backups (`ganzoo.resume`) so that
neither imports the other: a `TerminateOnNaN` goes first in the list unless one is given
(on a bad step it raises before any later callback, such as a backup, sees the step), a
`CheckBatches` before it for models that check every batch in the step, and
each `BackupAndRestore` learns which other callbacks have state to back up
(`get_backup_state` / `set_backup_state`). A dataset whose batches depend on the epoch
(`seeded_order` with an `epoch`: `ShuffledBatches`, `CropPairs`) gets its
`resume.EpochSetter` unless one for it is given.
"""
import keras

from ganzoo import guards, resume


def prepare_callbacks(model, callbacks, batch_size=None, data=None):
    """The callback list `AdversarialModel.fit` hands to Keras.

    Args:
        model: AdversarialModel. The model being trained (its `terminate_on_nan`
            attribute, `True` by default, adds the NaN guard).
        callbacks: list of `keras.callbacks.Callback`, a `CallbackList` (returned as
            is), or `None`.
        batch_size: int or `None`. `fit`'s `batch_size`, recorded by the backups (a resume
            with another batch size is refused). Defaults to `None`.
        data: object or `None`. `fit`'s `x`: a dataset with `seeded_order` and an
            `epoch` attribute gets a `resume.EpochSetter` first in the list (without it
            every epoch would repeat epoch 0's order, and a resumed run would train on
            other batches), unless the list has one for it. Defaults to `None`.

    Returns:
        A new list: the guards first (unless given or turned off), then the given
        callbacks, each backup last (`ganzoo.resume.prepare_backups`), told which of the
        others to back up.

    Example:
    ```python
    callbacks = prepare_callbacks(gan, [ganzoo.resume.BackupAndRestore("backup")])
    ```
    """
    if callbacks is None:
        callbacks = []
    if isinstance(callbacks, keras.callbacks.CallbackList):
        return callbacks
    callbacks = list(callbacks)
    if getattr(data, "seeded_order", False) and hasattr(data, "epoch") and not any(
            isinstance(c, resume.EpochSetter) and c.dataset is data for c in callbacks):
        callbacks.insert(0, resume.EpochSetter(data))
    given = [c for c in callbacks if isinstance(c, guards.TerminateOnNaN)]
    if not given and getattr(model, "terminate_on_nan", True):
        # First in the list: on a bad step it raises before any later callback
        # (checkpoints, backups, sample grids) sees the step.
        callbacks.insert(0, guards.TerminateOnNaN())
    checkers = [c for c in callbacks if isinstance(c, guards.CheckBatches)]
    if not checkers and getattr(model, "batch_checks", None) is not None and getattr(model, "check_inputs", True):
        callbacks.insert(0, guards.CheckBatches())  # first: a bad batch is named before a NaN it may cause
    stateful = [c for c in callbacks if hasattr(c, "get_backup_state") and hasattr(c, "set_backup_state")]
    for c in callbacks:
        if isinstance(c, resume.BackupAndRestore):
            c.stateful_callbacks = [s for s in stateful if s is not c]
    return resume.prepare_backups(callbacks, batch_size)
