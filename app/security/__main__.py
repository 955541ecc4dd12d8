import sys

from app.security.cli import main

sys.exit(main())
