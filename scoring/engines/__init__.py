"""Batch engines: the same per-chunk functions (``scoring.batch``) run locally or on a Dask cluster.

``local`` reads the input chunk by chunk in one process (flat memory); ``cluster`` sends the chunks (or the
Parquet partitions, read by the workers themselves) to a ``distributed`` cluster: a ``LocalCluster`` by
default, or an existing scheduler. Both write the same output, so the engines agree to the last digit
(tests/test_engines.py).
"""
