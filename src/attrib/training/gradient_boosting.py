"""The revision's models fitted on worker processes: scikit-learn's histogram gradient boosting on plain arrays.

This module imports no spaCy (nor torch, which thinc imports where it is installed): a worker process imports only
this module to run its jobs, and stays about 200 MB where one that imported fit_revision held about 490 MB, with two
such workers side by side. Each model is fitted on one thread, the models side by side on two
processes (joblib's loky): its own OpenMP threads stall whenever another program holds a core.
"""

from __future__ import annotations

import os
import time
from typing import Iterator

import numpy
from joblib import Parallel, parallel_config
from joblib.externals.loky import reusable_executor
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold
from threadpoolctl import threadpool_limits

from .beside import end_with

FOLDS = 5


def classifier(categorical: list[bool], seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=300, learning_rate=0.08, max_leaf_nodes=31, l2_regularization=1.0,
        categorical_features=categorical, early_stopping=False, random_state=seed,
    )


def out_of_fold(X: numpy.ndarray, y: numpy.ndarray, groups: numpy.ndarray, categorical: list[bool], seed: int
                ) -> numpy.ndarray:
    """Each row's probability from a model fitted on the other documents' folds (GroupKFold). A fold whose
    other documents hold one label only (a few training documents) gets that label: cross_val_predict stopped on
    it with a shape mismatch."""
    folds = GroupKFold(min(FOLDS, len(set(groups.tolist()))))
    held_out = numpy.empty(len(y), dtype=numpy.float64)
    for fitting, scoring in folds.split(X, y, groups):
        labels = numpy.unique(y[fitting])
        if len(labels) < 2:
            held_out[scoring] = float(labels[0])
        else:
            held_out[scoring] = classifier(categorical, seed).fit(X[fitting], y[fitting]).predict_proba(X[scoring])[:, 1]
    return held_out


def fit_one(X: numpy.ndarray, y: numpy.ndarray, groups: numpy.ndarray, categorical: list[bool], seed: int,
            held_out: bool) -> tuple[HistGradientBoostingClassifier, numpy.ndarray | None, float]:
    """One model fitted on one thread; with `held_out`, also its rows' out-of-fold probabilities; and the seconds
    it took."""
    started = time.perf_counter()
    with threadpool_limits(limits=1):
        probabilities = out_of_fold(X, y, groups, categorical, seed) if held_out else None
        fitted = classifier(categorical, seed).fit(X, y)
    return fitted, probabilities, time.perf_counter() - started


def in_workers(jobs: list, processes: int) -> Iterator:
    """The results of joblib's delayed `jobs`, in order, computed on `processes` worker processes (loky) that end
    with this process however it ends (a SIGKILL too: beside.end_with)."""
    try:
        with parallel_config(backend="loky", initializer=end_with, initargs=(os.getpid(),)):
            yield from Parallel(n_jobs=processes, return_as="generator")(jobs)
    finally:  # loky keeps its workers for another call and joins them in an exit hook, where a Ctrl-C was a traceback
        # and exit status 0 after the model was written: they end here, where Ctrl-C is "interrupted"
        if (executor := getattr(reusable_executor, "_executor", None)) is not None:
            executor.shutdown(wait=True)
