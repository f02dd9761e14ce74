import os
import sys

# `python -m stalelint` puts the current folder first on sys.path. Run inside the analysed repo, a
# yaml.py or click.py there would then be imported in place of the real one: the repo's code would
# run. The stalelint package is found already (this is it), so that entry can go.
if sys.path and not getattr(sys.flags, "safe_path", False) and os.path.abspath(sys.path[0] or ".") == os.getcwd():
    del sys.path[0]

from .cli import main  # noqa: E402

raise SystemExit(main())
