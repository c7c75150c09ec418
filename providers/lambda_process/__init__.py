"""Lambda functions as local processes: the execution environment LocalStack lacks without Docker.

Each environment is a process of the function's Python running AWS's own runtime interface client
(`python -m awslambdaric <handler>`, PyPI awslambdaric) in the unzipped code, against a Lambda
Runtime API served here on a loopback port of its own. The environment does what the Lambda
service does around the runtime: the timeout, a crash, START/END/REPORT, "Max Memory Used".

`environment` and `runtime_api` need only the standard library, so the dev tools' tests run them
with real runtimes; `localstack_plugin` adapts them to LocalStack's RuntimeExecutor and runs only
inside LocalStack's process, where the LocalStack target installs it (providers/localstack.py).
The package imports its own modules relatively: LocalStack imports it as `pipesum_lambda_process`.
"""
