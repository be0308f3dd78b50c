"""Channel tests use the real local peers.

pytest only honours pytest_plugins in the root conftest, so the fixtures are imported here too;
once the root conftest loads tests.peers.fixtures this import is harmless.
"""

from tests.peers.fixtures import *  # noqa: F401,F403
