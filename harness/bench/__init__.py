"""`make bench`: the function, its core, a typical public solution and awk, side by side.

It generates inputs of 1 KiB, 64 MiB and 512 MiB in three shapes in a temporary directory
(inputs.py), starts a MiniStack of its own on a free port, deploys the Terraform root to it as a
throwaway stack, and then:

- times 50 drops of the sample file through the deployed pipeline (drop to output visible:
  latency.py);
- makes two buckets of its own configured as the deployed ones (versioning and default
  encryption read from them: versioned, SSE-KMS), without events (buckets.py);
- runs each approach on each input in a process of its own (runner.py, probe.py; awk as is),
  timing the whole process and reading its peak RSS from os.wait4 (launcher.py): the function is
  called in-process against the emulator's S3, because neither its RSS nor its S3 traffic can be
  measured inside the emulator's Lambda worker;
- counts the S3 requests of one event on each path through the function (new key, new version
  of a key, rejection, redelivery, ...), for the function measured and for the function at
  `--baseline` (a commit: the function before issue 16 by default), to set them side by side
  (requests.py);
- writes docs/benchmarks.md (report.py, report.md.tmpl, requests.md.tmpl) and
  docs/benchmarks.png (chart.py).

`--requests-only` does the request counts alone (no drops, no inputs: a few minutes) and
rewrites only that section of the page.

The stack, the emulator and the inputs are removed at the end, also when something fails.
"""
