"""pipesum: append the sum of a file's second row, as an AWS Lambda behind S3 and EventBridge."""
