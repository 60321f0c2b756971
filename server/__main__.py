"""`python -m server init-secret`: write a random secret key into the instance folder if none is there.

Runs without the app (the app refuses to start without a key).
"""

import os
import sys
from pathlib import Path

from server.settings import PREFIX, PROJECT_ROOT, init_secret

if sys.argv[1:] != ["init-secret"]:
    sys.exit("usage: python -m server init-secret")
instance = Path(os.environ.get(PREFIX + "INSTANCE_PATH") or PROJECT_ROOT / "instance")
print(f"secret key in {init_secret(instance)}")
