# Remote state in S3, configured per environment at init (partial configuration):
#   terraform init -backend-config=envs/prod.s3.tfbackend
# The files in envs/ come from the bootstrap root (terraform/bootstrap); locking is S3-native
# (use_lockfile), no DynamoDB table. The emulator never uses this backend: the harness writes
# pipesum_local_backend_override.tf, a local backend, into its working copies. Keep this block
# empty: tflocal would otherwise create a state bucket in the emulator for it.
terraform {
  backend "s3" {}
}
