import sys

from dockyard.daemon.main import main

sys.exit(main())
