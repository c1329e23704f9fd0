"""The Bot API stand-in under its historical name: everything lives in the ``standin`` package beside it
(tests/support/standin/: state and lifecycle, the HTTP server, Telegram HTML, one module per API area)."""

from standin import *  # noqa: F403 (this module is the package under another name)
from standin import __all__  # noqa: F401
