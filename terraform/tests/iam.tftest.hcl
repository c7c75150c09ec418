# The function's execution role: who may assume it, and exactly what its inline policies allow.
#
# The policies are jsonencode documents (not aws_iam_policy_document, whose JSON a mock makes up),
# so every statement can be decoded and compared. Statements are compared as sets, each reduced
# to Effect, sorted Action list and sorted Resource list, so a scalar and a one-element list are
# the same. The buckets' and queues' ids and ARNs come from tests/mocks.

mock_provider "aws" {
  source = "./tests/mocks"
}

run "role_has_exactly_the_logs_tracing_async_failure_and_function_policies" {
  command = apply

  assert {
    condition     = sort(keys(module.function.lambda_role_inline_policies)) == tolist(["async-failure", "function", "logs", "tracing"])
    error_message = "The role must have exactly four inline policies: logs, tracing, async-failure and function."
  }

  assert {
    condition = alltrue([
      for attachment in values(module.function.lambda_role_inline_policies) :
      attachment.role == module.function.lambda_function_name
    ])
    error_message = "Every inline policy must be attached to the function's own role (named like the function)."
  }

  assert {
    condition     = module.function.lambda_role_arn == "arn:aws:iam::123456789012:role/${module.function.lambda_function_name}"
    error_message = "The function must run as its own role."
  }
}

run "function_policy_allows_exactly_the_expected_statements" {
  command = apply

  assert {
    condition = alltrue([
      for statement in jsondecode(module.function.lambda_role_inline_policies["function"].policy).Statement :
      length(setsubtract(keys(statement), ["Sid", "Effect", "Action", "Resource"])) == 0 || (
        statement.Sid == "UseTheDataKey" && length(setsubtract(keys(statement), ["Sid", "Effect", "Action", "Resource", "Condition"])) == 0
      )
    ])
    error_message = "Function statements may only have Sid, Effect, Action and Resource (no NotAction, NotResource or Principal); only the key's statement has a Condition."
  }

  assert {
    condition = sort([
      for statement in jsondecode(module.function.lambda_role_inline_policies["function"].policy).Statement :
      jsonencode({
        Effect    = statement.Effect
        Action    = sort(flatten([statement.Action]))
        Resource  = sort(flatten([statement.Resource]))
        Condition = { for test, conditions in try(statement.Condition, {}) : test => { for key, values in conditions : key => sort(flatten([values])) } }
      })
      ]) == sort([
      jsonencode({
        Effect    = "Allow"
        Action    = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource  = ["arn:aws:s3:::pipesum-dev-source-123456789012-us-east-1/*"]
        Condition = {}
      }),
      jsonencode({
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = ["arn:aws:s3:::pipesum-dev-destination-123456789012-us-east-1", "arn:aws:s3:::pipesum-dev-source-123456789012-us-east-1"]
        Condition = {}
      }),
      jsonencode({
        Effect    = "Allow"
        Action    = ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"]
        Resource  = ["arn:aws:s3:::pipesum-dev-destination-123456789012-us-east-1/*"]
        Condition = {}
      }),
      jsonencode({
        Effect    = "Allow"
        Action    = ["s3:ListBucketMultipartUploads"]
        Resource  = ["arn:aws:s3:::pipesum-dev-destination-123456789012-us-east-1"]
        Condition = {}
      }),
      jsonencode({
        Effect    = "Allow"
        Action    = ["s3:DeleteObject"]
        Resource  = ["arn:aws:s3:::pipesum-dev-destination-123456789012-us-east-1/_rejected/*"]
        Condition = {}
      }),
      jsonencode({
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = [aws_kms_key.this.arn]
        Condition = { StringEquals = { "kms:ViaService" = ["s3.us-east-1.amazonaws.com", "sqs.us-east-1.amazonaws.com"] } }
      }),
    ])
    error_message = "The function policy must be exactly: GetObject+GetObjectVersion on <source>/*; ListBucket on both buckets; PutObject+GetObject+AbortMultipartUpload on <destination>/*; ListBucketMultipartUploads on <destination>; DeleteObject on <destination>/_rejected/*; Decrypt+GenerateDataKey on the stack's key through S3 and SQS only. It is ${module.function.lambda_role_inline_policies["function"].policy}"
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(module.function.lambda_role_inline_policies["function"].policy).Statement :
      !contains(flatten([statement.Action]), "s3:DeleteObject") || jsonencode(flatten([statement.Resource])) == jsonencode(["${module.destination_bucket.s3_bucket_arn}/_rejected/*"])
    ])
    error_message = "s3:DeleteObject must be allowed on <destination>/_rejected/* only."
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(module.function.lambda_role_inline_policies["function"].policy).Statement :
      alltrue([for resource in flatten([statement.Resource]) : !startswith(resource, "${module.source_bucket.s3_bucket_arn}/") || jsonencode(sort(flatten([statement.Action]))) == jsonencode(["s3:GetObject", "s3:GetObjectVersion"])])
    ])
    error_message = "Objects of the source bucket may only be read (GetObject, GetObjectVersion), never written or deleted."
  }

  assert {
    condition     = aws_kms_key.this.arn == "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "The key statement must name the stack's key by its exact ARN."
  }
}

run "logs_policy_allows_only_own_log_streams" {
  command = apply

  assert {
    condition = jsonencode([
      for statement in jsondecode(module.function.lambda_role_inline_policies["logs"].policy).Statement : {
        keys     = sort(keys(statement))
        Effect   = statement.Effect
        Action   = sort(flatten([statement.Action]))
        Resource = sort(flatten([statement.Resource]))
      }
      ]) == jsonencode([{
        keys     = ["Action", "Effect", "Resource", "Sid"]
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/pipesum-dev-sum:log-stream:*"]
    }])
    error_message = "The logs policy must be one statement: CreateLogStream+PutLogEvents on the streams of /aws/lambda/pipesum-dev-sum in this account and region. It is ${module.function.lambda_role_inline_policies["logs"].policy}"
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(module.function.lambda_role_inline_policies["logs"].policy).Statement :
      alltrue([for resource in flatten([statement.Resource]) : startswith(resource, "arn:aws:logs:us-east-1:123456789012:log-group:${module.function.log_group_name}:")])
    ])
    error_message = "The logs policy must name the function's own log group (${module.function.log_group_name}) only."
  }
}

run "tracing_policy_allows_only_the_two_xray_writes" {
  command = apply

  assert {
    condition = jsonencode([
      for statement in jsondecode(module.function.lambda_role_inline_policies["tracing"].policy).Statement : {
        keys     = sort(keys(statement))
        Effect   = statement.Effect
        Action   = sort(flatten([statement.Action]))
        Resource = sort(flatten([statement.Resource]))
      }
      ]) == jsonencode([{
        keys     = ["Action", "Effect", "Resource", "Sid"]
        Effect   = "Allow"
        Action   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
        Resource = ["*"]
    }])
    error_message = "The tracing policy must be one statement: xray:PutTraceSegments+PutTelemetryRecords on \"*\" (X-Ray offers nothing narrower). It is ${module.function.lambda_role_inline_policies["tracing"].policy}"
  }
}

run "async_failure_policy_sends_only_to_the_function_failure_queue" {
  command = apply

  assert {
    condition = jsonencode([
      for statement in jsondecode(module.function.lambda_role_inline_policies["async-failure"].policy).Statement : {
        keys     = sort(keys(statement))
        Effect   = statement.Effect
        Action   = sort(flatten([statement.Action]))
        Resource = sort(flatten([statement.Resource]))
      }
      ]) == jsonencode([{
        keys     = ["Action", "Effect", "Resource", "Sid"]
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = ["arn:aws:sqs:us-east-1:123456789012:pipesum-dev-function-failures"]
    }])
    error_message = "The async-failure policy must be one statement: sqs:SendMessage on the function-failures queue. It is ${module.function.lambda_role_inline_policies["async-failure"].policy}"
  }

  assert {
    condition     = aws_sqs_queue.function_failure.arn == "arn:aws:sqs:us-east-1:123456789012:pipesum-dev-function-failures"
    error_message = "The queue the role may send to must be the function_failure queue."
  }
}

run "no_wildcard_actions_and_no_wildcard_resources_but_xray" {
  command = apply

  assert {
    condition = alltrue(flatten([
      for document in values(module.function.lambda_role_inline_policies) : [
        for statement in jsondecode(document.policy).Statement : [
          for action in flatten([statement.Action]) : action != "*" && !endswith(action, ":*")
        ]
      ]
    ]))
    error_message = "No inline policy statement may allow the action \"*\" or a service wildcard (\"s3:*\", \"logs:*\", ...)."
  }

  assert {
    condition = alltrue(flatten([
      for document in values(module.function.lambda_role_inline_policies) : [
        for statement in jsondecode(document.policy).Statement : [
          for resource in flatten([statement.Resource]) :
          resource != "*" || jsonencode(sort(flatten([statement.Action]))) == jsonencode(["xray:PutTelemetryRecords", "xray:PutTraceSegments"])
        ]
      ]
    ]))
    error_message = "No inline policy statement may have the resource \"*\", but the X-Ray writes (which have no narrower resource)."
  }

  assert {
    condition = alltrue(flatten([
      for document in values(module.function.lambda_role_inline_policies) : [
        for statement in jsondecode(document.policy).Statement :
        statement.Effect == "Allow" && !contains(keys(statement), "NotAction") && !contains(keys(statement), "NotResource")
      ]
    ]))
    error_message = "Inline policies must be plain Allow statements (no NotAction or NotResource, which allow everything else)."
  }
}

run "assume_role_policy_trusts_only_lambda" {
  command = apply

  assert {
    condition = jsonencode([
      for statement in jsondecode(module.function.lambda_role_assume_role_policy).Statement : {
        keys      = sort(keys(statement))
        Effect    = statement.Effect
        Action    = sort(flatten([statement.Action]))
        Principal = { for type, identifiers in statement.Principal : type => sort(flatten([identifiers])) }
      }
      ]) == jsonencode([{
        keys      = ["Action", "Condition", "Effect", "Principal"]
        Effect    = "Allow"
        Action    = ["sts:AssumeRole"]
        Principal = { Service = ["lambda.amazonaws.com"] }
    }])
    error_message = "The trust policy must be one statement allowing only lambda.amazonaws.com to sts:AssumeRole. It is ${module.function.lambda_role_assume_role_policy}"
  }

  assert {
    condition = jsonencode([
      for statement in jsondecode(module.function.lambda_role_assume_role_policy).Statement : {
        for test, conditions in statement.Condition : test => {
          for key, values in conditions : key => flatten([values])
        }
      }
    ]) == jsonencode([{ StringEquals = { "aws:SourceAccount" = ["123456789012"] } }])
    error_message = "The trust policy must be limited to this account with StringEquals aws:SourceAccount."
  }
}

run "function_role_carries_the_named_permissions_boundary" {
  command = apply

  variables {
    function_permissions_boundary_name = "pipesum-stack-role-boundary"
  }

  assert {
    condition     = module.function.lambda_role_permissions_boundary == "arn:aws:iam::123456789012:policy/pipesum-stack-role-boundary"
    error_message = "The function's role must carry the boundary the deploy role requires (terraform/bootstrap's stack_role_boundary_arn)."
  }
}

run "function_role_has_no_boundary_by_default" {
  command = apply

  assert {
    condition     = module.function.lambda_role_permissions_boundary == null
    error_message = "Without function_permissions_boundary_name the role has no boundary (the emulator and hand-deployed dev)."
  }
}
