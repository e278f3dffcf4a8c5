"""The ``crunch`` command-line entry point (composition root for every package's commands)."""
