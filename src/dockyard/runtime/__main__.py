import sys

from dockyard.runtime.cli import main

sys.exit(main())
