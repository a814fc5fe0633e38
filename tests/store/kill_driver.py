"""Run a batch with the fake analyser (slowed down), for the SIGKILL test: driver.py URL FOLDER."""

from __future__ import annotations

import sys

from store.fakes import fake_analyze
from unspin.store import ingest
from unspin.store.batch import LocalExecutor, run_batch
from unspin.store.db import Store

if __name__ == "__main__":
    url, folder = sys.argv[1], sys.argv[2]
    with Store(url) as store:
        run_batch(ingest.read([folder]), store, "fake-v1", executor=LocalExecutor(fake_analyze), commit_every=3, commit_seconds=0.2)
