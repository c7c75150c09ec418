# The function's execution role: who may assume it, and exactly what its inline policies allow.
#
# The policies are jsonencode documents (not aws_iam_policy_document, whose JSON a mock makes up),
# so every statement can be decoded and compared. Statements are compared as sets, each reduced
# to Effect, sorted Action list and sorted Resource list, so a scalar and a one-element list are
# the same.

mock_provider "aws" {
  source = "./tests/mocks"
}

override_resource {
  target = module.source_bucket.aws_s3_bucket.this
  values = {
    id  = "pipesum-dev-source-123456789012-us-east-1"
    arn = "arn:aws:s3:::pipesum-dev-source-123456789012-us-east-1"
  }
}

override_resource {
  target = module.destination_bucket.aws_s3_bucket.this
  values = {
    id  = "pipesum-dev-destination-123456789012-us-east-1"
    arn = "arn:aws:s3:::pipesum-dev-destination-123456789012-us-east-1"
  }
}

run "role_has_exactly_the_logs_and_function_policies" {
  command = apply

  assert {
    condition     = sort(keys(module.function.lambda_role_inline_policies)) == tolist(["function", "logs"])
    error_message = "The role must have exactly two inline policies, logs and function."
  }

  assert {
    condition = alltrue([
      for attachment in values(module.function.lambda_role_inline_policies) :
      attachment.role == module.function.lambda_function_name
    ])
    error_message = "Both inline policies must be attached to the function's own role (named like the function)."
  }

  assert {
    condition     = module.function.lambda_role_arn == "arn:aws:iam::123456789012:role/${module.function.lambda_function_name}"
    error_message = "The function must run as its own role."
  }
}

run "s3_policy_allows_exactly_the_expected_statements" {
  command = apply

  assert {
    condition = alltrue([
      for statement in jsondecode(module.function.lambda_role_inline_policies["function"].policy).Statement :
      length(setsubtract(keys(statement), ["Sid", "Effect", "Action", "Resource"])) == 0
    ])
    error_message = "S3 statements may only have Sid, Effect, Action and Resource (no NotAction, NotResource, Principal or Condition)."
  }

  assert {
    condition = sort([
      for statement in jsondecode(module.function.lambda_role_inline_policies["function"].policy).Statement :
      jsonencode({
        Effect   = statement.Effect
        Action   = sort(flatten([statement.Action]))
        Resource = sort(flatten([statement.Resource]))
      })
      ]) == sort([
      jsonencode({
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource = ["${module.source_bucket.s3_bucket_arn}/*"]
      }),
      jsonencode({
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = sort([module.destination_bucket.s3_bucket_arn, module.source_bucket.s3_bucket_arn])
      }),
      jsonencode({
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = ["${module.destination_bucket.s3_bucket_arn}/*"]
      }),
      jsonencode({
        Effect   = "Allow"
        Action   = ["s3:DeleteObject"]
        Resource = ["${module.destination_bucket.s3_bucket_arn}/_rejected/*"]
      }),
    ])
    error_message = "The S3 policy must be exactly: GetObject+GetObjectVersion on <source>/*; ListBucket on both buckets; PutObject+GetObject on <destination>/*; DeleteObject on <destination>/_rejected/*. It is ${module.function.lambda_role_inline_policies["function"].policy}"
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

run "no_wildcard_actions_or_resources" {
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
          for resource in flatten([statement.Resource]) : resource != "*"
        ]
      ]
    ]))
    error_message = "No inline policy statement may have the resource \"*\"."
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
