"""Gunicorn settings (Procfile and `make run`)."""

import ctypes
import ctypes.util
import gc
import os

from app import pdf_renderer  # stdlib only: nothing heavy is allocated before tune_malloc

# glibc malloc, set here in the master before the app loads and the workers fork (they inherit it). Here and
# not in the app package: importing that would allocate Dash, pandas... first.
# Under load the workers' memory was mostly freed-but-kept heap: numpy temporaries of a few MB (a column of
# the 356k-client portfolio, a comparison group) come from the heap once glibc's dynamic mmap threshold has
# grown, and their freed space stays with the process, fragmented. A fixed threshold of 128 KiB sends every
# large block to mmap, handed back when freed (setting it also stops the dynamic adjustment, mallopt(3));
# two arenas bound the per-thread heaps. benchmarks/load.py, 50 advisors: anonymous PSS of master + 2
# workers 458 -> 323 MB. An environment variable of the same name wins.
M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # glibc <malloc.h>
SETTINGS = {"MALLOC_MMAP_THRESHOLD_": (M_MMAP_THRESHOLD, 128 * 1024), "MALLOC_ARENA_MAX": (M_ARENA_MAX, 2)}


def tune_malloc(environ=os.environ) -> dict[str, int]:
    """Apply the settings not given in the environment; returns what was set ({} off glibc)."""
    name = ctypes.util.find_library("c")
    if not name:
        return {}
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return {}
    applied = {}
    for variable, (param, value) in SETTINGS.items():
        if variable not in environ and mallopt(param, value) == 1:
            applied[variable] = value
    return applied


tune_malloc()

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# Build the app (verify artifacts, open memory maps) once in the master; workers share the pages.
# Safe with XGBoost: the master imports the module but never predicts (portfolio scores are precomputed);
# each worker loads its own Booster on its first simulation, with one thread (scoring/simulate.py), so no
# OpenMP pool exists before the fork (the dmlc/xgboost#8040 hang).
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'  # path only: client ids stay out of access logs
errorlog = "-"
loglevel = "info"
# Recycle workers now and then (staggered) so that slow memory growth never reaches the dyno's 512 MB.
max_requests = 2000
max_requests_jitter = 200

# The warm PDF renderer (app/pdf_renderer.py): started by the master once the preloaded app exists and before
# the first worker is forked, so the workers inherit its handle and never import WeasyPrint. PDF_RENDERERS=0
# turns it off (each PDF in a child process of its worker, as before).
pdf_renderers = int(os.environ.get("PDF_RENDERERS", str(pdf_renderer.PROCESSES)))


def flask_extensions(arbiter) -> dict | None:
    """The preloaded Flask app's extensions (None without preload: the master has no app then)."""
    return arbiter.app.wsgi().extensions if arbiter.cfg.preload_app else None


def when_ready(arbiter):
    extensions = flask_extensions(arbiter)
    if pdf_renderers > 0 and extensions is not None:
        pdf_renderer.start(extensions, pdf_renderers)
    # The preloaded app's objects go to the collector's permanent generation just before the first fork: a
    # worker's collections then never write to their headers, so their pages stay shared (copy-on-write).
    gc.freeze()


def pre_fork(arbiter, worker):
    extensions = flask_extensions(arbiter)
    if extensions is not None:
        pdf_renderer.restart_if_dead(extensions)


def on_exit(arbiter):
    extensions = flask_extensions(arbiter)
    if extensions is not None:
        pdf_renderer.stop(extensions.get(pdf_renderer.EXTENSION))
