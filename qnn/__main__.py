import sys

from qnn.cli import main

sys.exit(main())
