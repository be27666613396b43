import sys

from layoutx.cli import main

sys.exit(main())
