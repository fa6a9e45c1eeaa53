"""Test-wide settings.

Under CI (the `CI` environment variable set, as `.ci/run` has it), hypothesis
draws the same examples on every run (`derandomize`), so a run's outcome depends
on the code alone, never on the luck of the draw; locally it keeps exploring new
examples (and remembers failures in its database). A failure found locally is
pinned with `@example(...)` in the test.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
