"""The JSON store ``data/papers.json``: its file, layout, migrations and the run's lock."""

from tracker.store.file import (
    atomic_write,
    backup_path,
    dumps,
    load_store,
    lock_path,
    remove_stale_temporaries,
    save_store,
    slices,
    store_lock,
)

__all__ = ["atomic_write", "backup_path", "dumps", "load_store", "lock_path",
           "remove_stale_temporaries", "save_store", "slices", "store_lock"]
