"""Gunicorn settings (Procfile and `make run`)."""

import os

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
