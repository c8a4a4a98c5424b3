"""Annotating and validating corpora past one machine, on a Dask distributed cluster (the `cluster` extra).

    inputs   the inputs (JSONL, folders of .txt, Parquet; paths or fsspec URLs) cut into partitions by bytes
    parts    the output folder: part files, receipts, the manifest; merging parts into one file
    worker   the tasks workers run: scan a partition, annotate it into its part, validate a part
    child    the single-threaded process of each worker that annotates
    plugin   the spaCy pipeline loaded once per worker, in its child
    connect  the client for `local:N`, a scheduler address or a scheduler file
    run      `attrib annotate --cluster`: scan, annotate what is not done, write the manifest
    check    `attrib validate DIR`: parts against the manifest, and each part validated

Nothing here is imported by a plain `attrib` command; Dask, fsspec and pyarrow are imported with it.
"""

from ..errors import ClusterError


def require() -> None:
    """ClusterError (one line, exit 3) when the `cluster` extra is not installed."""
    try:
        import distributed  # noqa: F401
        import fsspec  # noqa: F401
    except ImportError as exc:
        raise ClusterError(f"--cluster needs Dask distributed and fsspec ({exc.name} is missing): "
                           "pip install 'attrib[cluster]'") from None
