"""``python -m agentgym`` runs the command line."""

import sys

from agentgym.cli.main import main

sys.exit(main())
