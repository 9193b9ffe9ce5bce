"""The metadata database, split by owner: the ingest catalogue, the agent's records, access records.

`Store` opens the database once and hands each owner its part; a stage takes only the part it needs.
"""

from __future__ import annotations

from kernel.store.access import AccessStore
from kernel.store.base import Database
from kernel.store.catalogue import Catalogue
from kernel.store.records import Records


class Store:
    def __init__(self, url: str) -> None:
        self.db = Database(url)
        self.url = url
        self.catalogue = Catalogue(self.db)
        self.records = Records(self.db)
        self.access = AccessStore(self.db)

    def close(self) -> None:
        self.db.close()
