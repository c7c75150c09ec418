"""The soak: thousands of files at a steady rate through a fresh stack, every one accounted for.

`python -m harness.soak` (cli.py: what it does, its options) deploys, soaks and records; runner.py
drops on schedule and watches the destination; accounting.py balances the books; report.py
writes the accounting line, build/soak/result.json and the reliability record; throttles.py
reads the function's throttled invocations. The files and their expected outcomes come from
kit.inputs.
"""
