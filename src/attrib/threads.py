"""One thread per annotating process.

spaCy's parser calls small Cython functions that take and release the GIL on every call, and glibc makes those
lock operations cheap only while a process has a single thread. Any second thread, even an idle one (OpenBLAS's
pool, which numpy starts on import; a progress bar's refresh thread; a Dask worker's event loop), made the
parser 10-13% slower on this project's 2-core machine. So `attrib` starts numpy with one BLAS thread (the
parser's matrices are too small for more to pay), draws progress from the thread that does the work, and on a
Dask cluster annotates in a single-threaded child of each worker (`attrib.cluster.child`).
"""

from __future__ import annotations

import os
from typing import MutableMapping

# Read once, when numpy loads OpenBLAS: setting it later, or limiting threads at run time, leaves the pool's threads.
SINGLE_THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1"}


def single_threaded(environ: MutableMapping[str, str] = os.environ) -> MutableMapping[str, str]:
    """`environ` with one BLAS thread unless the user chose a number; call before numpy is imported."""
    for name, value in SINGLE_THREAD_ENV.items():
        environ.setdefault(name, value)
    return environ
