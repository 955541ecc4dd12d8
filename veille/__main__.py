import sys

from veille.cli import main

# The guard matters: cost probes run in spawned processes, which import this module as __mp_main__.
if __name__ == "__main__":
    sys.exit(main())
