"""The JSON store ``data/papers.json``: its file, layout, migrations and the run's lock."""

from tracker.store.file import (
    LinkRefused,
    atomic_write,
    backup_path,
    dumps,
    load_store,
    lock_path,
    remove_stale_temporaries,
    remove_temporaries_of,
    save_store,
    shown,
    store_lock,
)

__all__ = ["LinkRefused", "atomic_write", "backup_path", "dumps", "load_store", "lock_path",
           "remove_stale_temporaries", "remove_temporaries_of", "save_store", "shown",
           "store_lock"]
