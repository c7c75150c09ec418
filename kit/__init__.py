"""What the harness and the tests share: console output, paths, the reference transform, inputs.

Imports only the function's package (`pipesum`), never `harness` or `tests`.
"""
