################################################################################
# GitHub Actions OIDC provider
################################################################################

locals {
  github_oidc_host     = "token.actions.githubusercontent.com"
  github_oidc_audience = "sts.amazonaws.com"
}

# No thumbprint_list: AWS trusts GitHub's OIDC endpoint through its own library of root CAs, and
# the provider (5.x) no longer requires thumbprints.
resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://${local.github_oidc_host}"
  client_id_list = [local.github_oidc_audience]
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 0 : 1

  url = "https://${local.github_oidc_host}"
}

locals {
  github_oidc_provider_arn = (
    var.create_github_oidc_provider
    ? aws_iam_openid_connect_provider.github[0].arn
    : data.aws_iam_openid_connect_provider.github[0].arn
  )

  # The only subjects trusted: a pull_request run of this repository and a run on its main branch
  # (plan: main is planned before the production environment is approved), and a job of this
  # repository running in the protected production environment (apply). Exact strings, no wildcard.
  github_plan_subjects = [
    "repo:${var.github_repository}:pull_request",
    "repo:${var.github_repository}:ref:refs/heads/main",
  ]
  github_apply_subject = "repo:${var.github_repository}:environment:${var.github_production_environment}"
}

################################################################################
# What the roles may touch: the CI environments' resources and state only
################################################################################

locals {
  ci_prefixes = [for env in var.ci_environments : "${var.project}-${env}-"]

  stack_bucket_arns   = [for prefix in local.ci_prefixes : "arn:${local.partition}:s3:::${prefix}*"]
  stack_function_arns = [for prefix in local.ci_prefixes : "arn:${local.partition}:lambda:${var.region}:${local.account_id}:function:${prefix}*"]
  stack_role_arns     = [for prefix in local.ci_prefixes : "arn:${local.partition}:iam::${local.account_id}:role/${prefix}*"]
  stack_log_group_arns = [
    for prefix in local.ci_prefixes : "arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/aws/lambda/${prefix}*"
  ]
  stack_rule_arns  = [for prefix in local.ci_prefixes : "arn:${local.partition}:events:${var.region}:${local.account_id}:rule/${prefix}*"]
  stack_queue_arns = [for prefix in local.ci_prefixes : "arn:${local.partition}:sqs:${var.region}:${local.account_id}:${prefix}*"]
  stack_topic_arns = [for prefix in local.ci_prefixes : "arn:${local.partition}:sns:${var.region}:${local.account_id}:${prefix}*"]
  stack_alarm_arns = [for prefix in local.ci_prefixes : "arn:${local.partition}:cloudwatch:${var.region}:${local.account_id}:alarm:${prefix}*"]

  # KMS key ids are random, and a tag is no claim to a key: whoever may tag a key at CreateKey may
  # tag any key of the account (KMS authorises that tagging on every key). So no statement here
  # grants anything on a key by its tags: the stack's key policy, written at CreateKey, names the
  # deploy roles (the main root's key_administrator_role_name, key_reader_role_names; decision 16).
  all_keys_arn = "arn:${local.partition}:kms:${var.region}:${local.account_id}:key/*"
  stack_key_request_tags = {
    "aws:RequestTag/Project"     = var.project
    "aws:RequestTag/Environment" = var.ci_environments
  }

  # DescribeLogGroups cannot be scoped to a log group: it needs log-group:* of the account and region.
  all_log_groups_arn = "arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:*"

  stack_role_boundary_name = "${var.project}-stack-role-boundary"
  stack_role_boundary_arn  = "arn:${local.partition}:iam::${local.account_id}:policy/${local.stack_role_boundary_name}"

  ci_state_object_arns = [for env in var.ci_environments : "${local.state_bucket_arn}/${local.state_keys[env]}"]
  ci_lock_object_arns  = [for env in var.ci_environments : "${local.state_bucket_arn}/${local.state_keys[env]}.tflock"]
}

################################################################################
# Policies, written with jsonencode so that `terraform test` can assert every statement
#
# Every resource is one of the CI environments' (<project>-<environment>-*) or the state's, except
# where a service cannot scope an action to a resource: logs:DescribeLogGroups (log-group:* of
# the account and region) and kms:CreateKey ("*", only with the stack's tags in the request), with
# the kms:TagResource it needs (key/*, only on a key with no Project tag yet).
################################################################################

locals {
  # Enough for `terraform plan -lock=false`: read the state and refresh every resource of the
  # stack. No write: the lock is the apply's, and a plan that could delete it could break one held.
  github_read_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        # Unconditioned: `terraform init` lists workspace prefixes (env:/) besides the state key.
        Sid      = "ListStateBucket"
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = local.state_bucket_arn
      },
      {
        Sid      = "ReadStateAndLock"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = concat(local.ci_state_object_arns, local.ci_lock_object_arns)
      },
      {
        # Through S3 only: the state key decrypts nothing for a direct caller.
        Sid       = "UseStateKeyThroughS3"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = local.state_key_arn
        Condition = { StringEquals = { "kms:ViaService" = "s3.${var.region}.amazonaws.com" } }
      },
      {
        Sid    = "ReadStackBuckets"
        Effect = "Allow"
        Action = [
          "s3:GetAccelerateConfiguration",
          "s3:GetBucketAcl",
          "s3:GetBucketCORS",
          "s3:GetBucketLocation",
          "s3:GetBucketLogging",
          "s3:GetBucketNotification",
          "s3:GetBucketObjectLockConfiguration",
          "s3:GetBucketOwnershipControls",
          "s3:GetBucketPolicy",
          "s3:GetBucketPublicAccessBlock",
          "s3:GetBucketRequestPayment",
          "s3:GetBucketTagging",
          "s3:GetBucketVersioning",
          "s3:GetBucketWebsite",
          "s3:GetEncryptionConfiguration",
          "s3:GetLifecycleConfiguration",
          "s3:GetReplicationConfiguration",
          "s3:ListBucket",
        ]
        Resource = local.stack_bucket_arns
      },
      {
        Sid    = "ReadStackFunction"
        Effect = "Allow"
        Action = [
          "lambda:GetFunction",
          "lambda:GetFunctionCodeSigningConfig",
          "lambda:GetFunctionConcurrency",
          "lambda:GetFunctionConfiguration",
          "lambda:GetFunctionEventInvokeConfig",
          "lambda:GetFunctionRecursionConfig",
          "lambda:GetPolicy",
          "lambda:ListTags",
          "lambda:ListVersionsByFunction",
        ]
        Resource = local.stack_function_arns
      },
      {
        Sid    = "ReadStackRoles"
        Effect = "Allow"
        Action = [
          "iam:GetRole",
          "iam:GetRolePolicy",
          "iam:ListAttachedRolePolicies",
          "iam:ListRolePolicies",
        ]
        Resource = local.stack_role_arns
      },
      {
        Sid      = "ReadStackLogGroups"
        Effect   = "Allow"
        Action   = "logs:ListTagsForResource"
        Resource = local.stack_log_group_arns
      },
      {
        Sid      = "FindLogGroups"
        Effect   = "Allow"
        Action   = "logs:DescribeLogGroups"
        Resource = local.all_log_groups_arn
      },
      {
        Sid    = "ReadStackRules"
        Effect = "Allow"
        Action = [
          "events:DescribeRule",
          "events:ListTagsForResource",
          "events:ListTargetsByRule",
        ]
        Resource = local.stack_rule_arns
      },
      {
        Sid      = "ReadStackQueues"
        Effect   = "Allow"
        Action   = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags"]
        Resource = local.stack_queue_arns
      },
      {
        Sid      = "ReadStackTopics"
        Effect   = "Allow"
        Action   = ["sns:GetSubscriptionAttributes", "sns:GetTopicAttributes", "sns:ListTagsForResource"]
        Resource = local.stack_topic_arns
      },
      {
        Sid      = "ReadStackAlarms"
        Effect   = "Allow"
        Action   = ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"]
        Resource = local.stack_alarm_arns
      },
    ]
  }

  # What an apply adds: write the state, and create, change and delete the stack's resources.
  github_apply_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "WriteState"
        Effect   = "Allow"
        Action   = "s3:PutObject"
        Resource = local.ci_state_object_arns
      },
      {
        # use_lockfile: an apply writes "<key>.tflock" with a conditional PutObject and deletes it.
        Sid      = "TakeAndReleaseStateLock"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:DeleteObject"]
        Resource = local.ci_lock_object_arns
      },
      {
        Sid    = "ManageStackBuckets"
        Effect = "Allow"
        Action = [
          "s3:CreateBucket",
          "s3:DeleteBucket",
          "s3:DeleteBucketPolicy",
          "s3:PutBucketLogging",
          "s3:PutBucketNotification",
          "s3:PutBucketOwnershipControls",
          "s3:PutBucketPolicy",
          "s3:PutBucketPublicAccessBlock",
          "s3:PutBucketTagging",
          "s3:PutBucketVersioning",
          "s3:PutEncryptionConfiguration",
          "s3:PutLifecycleConfiguration",
        ]
        Resource = local.stack_bucket_arns
      },
      {
        Sid    = "ManageStackFunction"
        Effect = "Allow"
        Action = [
          "lambda:AddPermission",
          "lambda:CreateFunction",
          "lambda:DeleteFunction",
          "lambda:DeleteFunctionConcurrency",
          "lambda:DeleteFunctionEventInvokeConfig",
          "lambda:PutFunctionConcurrency",
          "lambda:PutFunctionEventInvokeConfig",
          "lambda:PutFunctionRecursionConfig",
          "lambda:RemovePermission",
          "lambda:TagResource",
          "lambda:UntagResource",
          "lambda:UpdateFunctionCode",
          "lambda:UpdateFunctionConfiguration",
          "lambda:UpdateFunctionEventInvokeConfig",
        ]
        Resource = local.stack_function_arns
      },
      {
        # A role is created, given a policy or a boundary only with the stack role boundary as its
        # permissions boundary: whatever its own policy says, it can do no more than the function
        # needs. Without this the apply role could mint an administrator and run code under it.
        # (PutRolePermissionsBoundary: a role made before the boundary existed gets it.)
        Sid       = "CreateStackRolesWithinTheBoundary"
        Effect    = "Allow"
        Action    = ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"]
        Resource  = local.stack_role_arns
        Condition = { StringEquals = { "iam:PermissionsBoundary" = local.stack_role_boundary_arn } }
      },
      {
        # No DeleteRolePermissionsBoundary or AttachRolePolicy: the boundary stays, and no managed
        # policy is attached.
        Sid    = "ManageStackRoles"
        Effect = "Allow"
        Action = [
          "iam:DeleteRole",
          "iam:DeleteRolePolicy",
          "iam:ListInstanceProfilesForRole",
          "iam:TagRole",
          "iam:UntagRole",
          "iam:UpdateAssumeRolePolicy",
          "iam:UpdateRole",
        ]
        Resource = local.stack_role_arns
      },
      {
        Sid       = "PassStackRolesToLambdaOnly"
        Effect    = "Allow"
        Action    = "iam:PassRole"
        Resource  = local.stack_role_arns
        Condition = { StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } }
      },
      {
        Sid    = "ManageStackLogGroups"
        Effect = "Allow"
        Action = [
          "logs:AssociateKmsKey",
          "logs:CreateLogGroup",
          "logs:DeleteLogGroup",
          "logs:DeleteRetentionPolicy",
          "logs:DisassociateKmsKey",
          "logs:PutRetentionPolicy",
          "logs:TagResource",
          "logs:UntagResource",
        ]
        Resource = local.stack_log_group_arns
      },
      {
        Sid    = "ManageStackRules"
        Effect = "Allow"
        Action = [
          "events:DeleteRule",
          "events:PutRule",
          "events:PutTargets",
          "events:RemoveTargets",
          "events:TagResource",
          "events:UntagResource",
        ]
        Resource = local.stack_rule_arns
      },
      {
        Sid      = "ManageStackQueues"
        Effect   = "Allow"
        Action   = ["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"]
        Resource = local.stack_queue_arns
      },
      {
        Sid    = "ManageStackTopics"
        Effect = "Allow"
        Action = [
          "sns:CreateTopic",
          "sns:DeleteTopic",
          "sns:SetSubscriptionAttributes",
          "sns:SetTopicAttributes",
          "sns:Subscribe",
          "sns:TagResource",
          "sns:Unsubscribe",
          "sns:UntagResource",
        ]
        Resource = local.stack_topic_arns
      },
      {
        Sid      = "ManageStackAlarms"
        Effect   = "Allow"
        Action   = ["cloudwatch:DeleteAlarms", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:UntagResource"]
        Resource = local.stack_alarm_arns
      },
    ]
  }

  # The apply role's KMS statements, a policy of their own: with the role statements, one document
  # would pass IAM's 6,144 characters for long names.
  github_apply_keys_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        # CreateKey takes no resource: only a key tagged as the stack's, in the request.
        Sid       = "CreateStackKey"
        Effect    = "Allow"
        Action    = "kms:CreateKey"
        Resource  = "*"
        Condition = { StringEquals = local.stack_key_request_tags }
      },
      {
        # Tags at creation need kms:TagResource on every key (KMS: "an IAM policy that isn't
        # restricted to particular KMS keys"). Only a key without a Project tag can be tagged:
        # the key being created, never another project's; the untagged keys of the account can
        # be, and gain nothing by it (nothing is granted by tag).
        Sid      = "TagNewStackKey"
        Effect   = "Allow"
        Action   = "kms:TagResource"
        Resource = local.all_keys_arn
        Condition = {
          StringEquals = local.stack_key_request_tags
          Null         = { "aws:ResourceTag/Project" = "true" }
        }
      },
    ]
  }
}

################################################################################
# Roles
################################################################################

locals {
  github_plan_trust_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Action    = "sts:AssumeRoleWithWebIdentity"
        Principal = { Federated = local.github_oidc_provider_arn }
        Condition = {
          StringEquals = {
            "${local.github_oidc_host}:aud" = local.github_oidc_audience
            "${local.github_oidc_host}:sub" = local.github_plan_subjects
          }
        }
      },
    ]
  }

  github_apply_trust_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Action    = "sts:AssumeRoleWithWebIdentity"
        Principal = { Federated = local.github_oidc_provider_arn }
        Condition = {
          StringEquals = {
            "${local.github_oidc_host}:aud" = local.github_oidc_audience
            "${local.github_oidc_host}:sub" = local.github_apply_subject
          }
        }
      },
    ]
  }
}

# The permissions boundary of every role the apply role creates (the function's): at most what
# the function does, on the CI environments' resources. The main root sets it on the function's
# role (function_permissions_boundary_name in envs/prod.tfvars).
locals {
  stack_role_boundary_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "StackObjects"
        Effect = "Allow"
        Action = [
          "s3:AbortMultipartUpload",
          "s3:DeleteObject",
          "s3:GetObject",
          "s3:GetObjectVersion",
          "s3:ListBucket",
          "s3:ListBucketMultipartUploads",
          "s3:PutObject",
        ]
        Resource = local.stack_bucket_arns
      },
      {
        Sid       = "StackKeysThroughS3AndSqs"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = local.all_keys_arn
        Condition = { StringEquals = { "kms:ViaService" = ["s3.${var.region}.amazonaws.com", "sqs.${var.region}.amazonaws.com"] } }
      },
      {
        Sid      = "StackFailureQueues"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = local.stack_queue_arns
      },
      {
        Sid      = "StackLogStreams"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = local.stack_log_group_arns
      },
      {
        # X-Ray takes no resource for these two actions.
        Sid      = "Traces"
        Effect   = "Allow"
        Action   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
        Resource = "*"
      },
    ]
  }
}

resource "aws_iam_policy" "stack_role_boundary" {
  name        = local.stack_role_boundary_name
  description = "Permissions boundary of the roles terraform apply of ${var.project} creates: at most what the function does, on ${join(", ", local.ci_prefixes)}* resources."
  policy      = jsonencode(local.stack_role_boundary_policy)
}

# Customer managed policies rather than inline ones: IAM allows 10,240 characters of inline
# policy per role, which the apply role's two documents can pass with long names; a managed
# policy holds 6,144 each.
resource "aws_iam_policy" "github_read" {
  name        = "${var.project}-github-read"
  description = "terraform plan of ${var.project} (${join(", ", var.ci_environments)}): read the state, take its lock, refresh the stack."
  policy      = jsonencode(local.github_read_policy)
}

resource "aws_iam_policy" "github_apply" {
  name        = "${var.project}-github-apply"
  description = "terraform apply of ${var.project} (${join(", ", var.ci_environments)}): write the state, manage the stack's resources."
  policy      = jsonencode(local.github_apply_policy)
}

resource "aws_iam_policy" "github_apply_keys" {
  name        = "${var.project}-github-apply-keys"
  description = "terraform apply of ${var.project} (${join(", ", var.ci_environments)}): create and manage the stack's KMS key."
  policy      = jsonencode(local.github_apply_keys_policy)
}

resource "aws_iam_role" "github_plan" {
  name                 = "${var.project}-github-plan"
  description          = "terraform plan of ${var.project} from pull requests of ${var.github_repository}: read-only, plus the state lock."
  assume_role_policy   = jsonencode(local.github_plan_trust_policy)
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "github_plan_read" {
  role       = aws_iam_role.github_plan.name
  policy_arn = aws_iam_policy.github_read.arn
}

resource "aws_iam_role" "github_apply" {
  name                 = "${var.project}-github-apply"
  description          = "terraform apply of ${var.project} from the ${var.github_production_environment} environment of ${var.github_repository}."
  assume_role_policy   = jsonencode(local.github_apply_trust_policy)
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "github_apply_read" {
  role       = aws_iam_role.github_apply.name
  policy_arn = aws_iam_policy.github_read.arn
}

resource "aws_iam_role_policy_attachment" "github_apply_write" {
  role       = aws_iam_role.github_apply.name
  policy_arn = aws_iam_policy.github_apply.arn
}

resource "aws_iam_role_policy_attachment" "github_apply_keys" {
  role       = aws_iam_role.github_apply.name
  policy_arn = aws_iam_policy.github_apply_keys.arn
}
