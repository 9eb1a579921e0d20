import sys

from laydown_verify.cli import main

sys.exit(main())
