import os
import sys

# Idle OpenMP threads sleep instead of spinning: on a busy two-core machine, spinning made XGBoost with two
# threads 40 to 80 times slower than with one (measured); this must be set before libgomp is loaded.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from scoring.cli import main  # noqa: E402

sys.exit(main())
