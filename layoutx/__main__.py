import os
import sys

# Before torch (if a command loads it) starts OpenMP: busy-waiting threads slow CPU work several-fold
# whenever the cores are shared (OCR workers, other jobs).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from layoutx.cli import main  # noqa: E402

sys.exit(main())
