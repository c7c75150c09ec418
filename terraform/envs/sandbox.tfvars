# The emulator environment: the developer sandbox (`make up`) and the test stacks (`make test`),
# on MiniStack or LocalStack. Never applied to a real account (it has no backend file).
environment = "sandbox"
region      = "us-east-1"

log_retention_days    = 14
force_destroy_buckets = true

# Each concurrent run is a process on this machine's cores: the reserve keeps a burst from
# starting a hundred at once. Throttled events wait and are retried, as Lambda retries them.
lambda_reserved_concurrency = 10
