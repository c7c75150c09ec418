# The GitHub Actions roles: who may assume them (exactly this repository's pull requests, and its
# production environment), and what they may do (the CI environments' resources and state only,
# no "*" action, no "*" resource, no write for the plan role).
#
# Policies are jsonencode documents, decoded here. Action and Resource are lists or scalars, so
# they are compared through flatten([...]).

mock_provider "aws" {
  source          = "./tests/mocks"
  override_during = plan
}

variables {
  github_repository = "octo-org/pipesum"
}

override_resource {
  target          = aws_iam_policy.github_read
  override_during = plan
  values = {
    arn = "arn:aws:iam::123456789012:policy/pipesum-github-read"
  }
}

override_resource {
  target          = aws_iam_policy.github_apply
  override_during = plan
  values = {
    arn = "arn:aws:iam::123456789012:policy/pipesum-github-apply"
  }
}

override_resource {
  target          = aws_iam_policy.github_apply_keys
  override_during = plan
  values = {
    arn = "arn:aws:iam::123456789012:policy/pipesum-github-apply-keys"
  }
}

run "plan_role_trusts_only_pull_requests_and_main_of_the_repository" {
  command = plan

  assert {
    condition     = length(jsondecode(aws_iam_role.github_plan.assume_role_policy).Statement) == 1
    error_message = "The plan role must have a single trust statement."
  }

  assert {
    condition = jsondecode(aws_iam_role.github_plan.assume_role_policy).Statement[0] == {
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = ["repo:octo-org/pipesum:pull_request", "repo:octo-org/pipesum:ref:refs/heads/main"]
        }
      }
    }
    error_message = "The plan role must trust GitHub's OIDC provider for exactly sub=repo:octo-org/pipesum:pull_request or repo:octo-org/pipesum:ref:refs/heads/main and aud=sts.amazonaws.com, with StringEquals (no wildcard)."
  }
}

run "apply_role_trusts_only_the_production_environment" {
  command = plan

  assert {
    condition     = length(jsondecode(aws_iam_role.github_apply.assume_role_policy).Statement) == 1
    error_message = "The apply role must have a single trust statement."
  }

  assert {
    condition = jsondecode(aws_iam_role.github_apply.assume_role_policy).Statement[0] == {
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = "repo:octo-org/pipesum:environment:production"
        }
      }
    }
    error_message = "The apply role must trust exactly sub=repo:octo-org/pipesum:environment:production: not a branch, not a pull request, no wildcard."
  }
}

run "apply_role_follows_the_environment_name" {
  command = plan

  variables {
    github_production_environment = "prod-approval"
  }

  assert {
    condition     = jsondecode(aws_iam_role.github_apply.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == "repo:octo-org/pipesum:environment:prod-approval"
    error_message = "The apply role's subject must name github_production_environment."
  }
}

run "existing_oidc_provider_is_looked_up" {
  command = plan

  variables {
    create_github_oidc_provider = false
  }

  override_data {
    target = data.aws_iam_openid_connect_provider.github[0]
    values = {
      arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com/existing"
    }
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0
    error_message = "No provider must be created when the account already has one."
  }

  assert {
    condition = alltrue([
      for role in [aws_iam_role.github_plan, aws_iam_role.github_apply] :
      jsondecode(role.assume_role_policy).Statement[0].Principal.Federated == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com/existing"
    ])
    error_message = "Both roles must trust the existing provider."
  }
}

run "oidc_provider_is_githubs_with_the_sts_audience" {
  command = plan

  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com"
    error_message = "The OIDC provider must be GitHub Actions'."
  }

  assert {
    condition     = aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The provider's only audience must be sts.amazonaws.com."
  }
}

run "policies_attach_to_their_roles" {
  command = plan

  assert {
    condition = (
      aws_iam_role_policy_attachment.github_plan_read.role == "pipesum-github-plan" &&
      aws_iam_role_policy_attachment.github_plan_read.policy_arn == "arn:aws:iam::123456789012:policy/pipesum-github-read"
    )
    error_message = "The plan role must have the read policy."
  }

  assert {
    condition = (
      aws_iam_role_policy_attachment.github_apply_read.role == "pipesum-github-apply" &&
      aws_iam_role_policy_attachment.github_apply_read.policy_arn == "arn:aws:iam::123456789012:policy/pipesum-github-read" &&
      aws_iam_role_policy_attachment.github_apply_write.role == "pipesum-github-apply" &&
      aws_iam_role_policy_attachment.github_apply_write.policy_arn == "arn:aws:iam::123456789012:policy/pipesum-github-apply" &&
      aws_iam_role_policy_attachment.github_apply_keys.role == "pipesum-github-apply" &&
      aws_iam_role_policy_attachment.github_apply_keys.policy_arn == "arn:aws:iam::123456789012:policy/pipesum-github-apply-keys"
    )
    error_message = "The apply role must have the read policy (to verify with a plan), the apply policy and the apply-keys policy."
  }
}

run "no_wildcard_action_and_resource_star_only_where_unscopable" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for policy in [aws_iam_policy.github_read, aws_iam_policy.github_apply, aws_iam_policy.github_apply_keys] : [
        for statement in jsondecode(policy.policy).Statement : [
          for action in flatten([statement.Action]) : action != "*" && !endswith(action, ":*") && !startswith(action, "*")
        ]
      ]
    ]))
    error_message = "No statement may allow \"*\" or a whole service (\"service:*\")."
  }

  assert {
    condition = alltrue(flatten([
      for policy in [aws_iam_policy.github_read, aws_iam_policy.github_apply, aws_iam_policy.github_apply_keys] : [
        for statement in jsondecode(policy.policy).Statement : (
          flatten([statement.Action]) == ["kms:CreateKey"] &&
          try(statement.Condition, null) == { StringEquals = { "aws:RequestTag/Project" = "pipesum", "aws:RequestTag/Environment" = ["prod"] } }
        )
        if contains(flatten([statement.Resource]), "*")
      ]
    ]))
    error_message = "The resource \"*\" is allowed only for kms:CreateKey with the stack's tags in the request (it takes no resource)."
  }

  assert {
    condition = alltrue(flatten([
      for policy in [aws_iam_policy.github_read, aws_iam_policy.github_apply, aws_iam_policy.github_apply_keys] : [
        for statement in jsondecode(policy.policy).Statement :
        statement.Effect == "Allow" && length(setsubtract(keys(statement), ["Sid", "Effect", "Action", "Resource", "Condition"])) == 0
      ]
    ]))
    error_message = "Statements must be Allow with Action and Resource (no NotAction, NotResource or Principal)."
  }
}

run "resources_are_the_ci_environments_and_the_state_only" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for policy in [aws_iam_policy.github_read, aws_iam_policy.github_apply, aws_iam_policy.github_apply_keys] : [
        for statement in jsondecode(policy.policy).Statement : [
          for resource in flatten([statement.Resource]) : (
            strcontains(resource, "pipesum-prod-") ||
            resource == "arn:aws:s3:::pipesum-tfstate-123456789012-us-east-1" ||
            startswith(resource, "arn:aws:s3:::pipesum-tfstate-123456789012-us-east-1/pipesum/prod/") ||
            resource == aws_kms_key.this.arn ||
            resource == "*" ||
            (resource == "arn:aws:logs:us-east-1:123456789012:log-group:*" && flatten([statement.Action]) == ["logs:DescribeLogGroups"]) ||
            (
              resource == "arn:aws:kms:us-east-1:123456789012:key/*" &&
              flatten([statement.Action]) == ["kms:TagResource"] &&
              try(statement.Condition.StringEquals["aws:RequestTag/Project"], "") == "pipesum" &&
              try(statement.Condition.StringEquals["aws:RequestTag/Environment"], []) == ["prod"] &&
              try(statement.Condition.Null["aws:ResourceTag/Project"], "") == "true"
            )
          )
        ]
      ]
    ]))
    error_message = "Every resource must be a pipesum-prod-* resource, the state bucket, prod's state objects or the state key (DescribeLogGroups, the tagging of a key being created and the checked \"*\" cases excepted): no key is reached by its tags."
  }

  assert {
    condition = !anytrue(flatten([
      for policy in [aws_iam_policy.github_read, aws_iam_policy.github_apply, aws_iam_policy.github_apply_keys] : [
        for statement in jsondecode(policy.policy).Statement : [
          for resource in flatten([statement.Resource]) : strcontains(resource, "pipesum-dev") || strcontains(resource, "pipesum/dev/")
        ]
      ]
    ]))
    error_message = "By default (ci_environments = [\"prod\"]) nothing of dev may be reachable from CI."
  }

  assert {
    condition = !anytrue(flatten([
      for policy in [aws_iam_policy.github_read, aws_iam_policy.github_apply, aws_iam_policy.github_apply_keys] : [
        for statement in jsondecode(policy.policy).Statement : [
          for resource in flatten([statement.Resource]) : strcontains(resource, "pipesum-github-") || strcontains(resource, "/bootstrap/") || strcontains(resource, "alias/pipesum-tfstate")
        ]
      ]
    ]))
    error_message = "The CI roles must not reach their own roles, the bootstrap state or the state key's alias."
  }
}

run "policies_fit_the_iam_quota" {
  command = plan

  variables {
    # Long names, two environments: the largest documents this root makes in practice.
    project           = "pipesum-longest1"
    github_repository = "octo-organisation/pipesum-infrastructure"
    environments      = ["development", "production1"]
    ci_environments   = ["development", "production1"]
  }

  assert {
    # IAM counts a managed policy without whitespace (jsonencode writes none) against 6,144.
    condition     = alltrue([for policy in [aws_iam_policy.github_read, aws_iam_policy.github_apply, aws_iam_policy.github_apply_keys] : length(policy.policy) < 6144])
    error_message = "Each managed policy must stay under IAM's 6,144-character quota."
  }
}

run "plan_role_writes_nothing" {
  command = plan

  assert {
    condition = !anytrue(flatten([
      for statement in jsondecode(aws_iam_policy.github_read.policy).Statement : [
        for action in flatten([statement.Action]) :
        can(regex("^[a-z0-9-]+:(Create|Put|Delete|Update|Tag|Untag|Add|Remove|Pass|Attach|Detach|Schedule|Enable|Disable)", action))
      ]
    ]))
    error_message = "The plan role (pull requests' code) may write nothing, the state lock included: it plans with -lock=false, and could otherwise delete a lock an apply holds."
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_iam_policy.github_apply.policy).Statement :
      toset(flatten([statement.Action])) == toset(["s3:PutObject", "s3:DeleteObject"]) &&
      flatten([statement.Resource]) == ["arn:aws:s3:::pipesum-tfstate-123456789012-us-east-1/pipesum/prod/terraform.tfstate.tflock"]
    ])
    error_message = "The apply role must be able to take and release prod's lock file."
  }
}

run "the_state_key_is_used_through_s3_only" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for policy in [aws_iam_policy.github_read, aws_iam_policy.github_apply, aws_iam_policy.github_apply_keys] : [
        for statement in jsondecode(policy.policy).Statement :
        try(statement.Condition, null) == { StringEquals = { "kms:ViaService" = "s3.us-east-1.amazonaws.com" } }
        if contains(flatten([statement.Resource]), aws_kms_key.this.arn)
      ]
    ]))
    error_message = "Every statement on the state key must require kms:ViaService = s3.<region>.amazonaws.com."
  }
}

run "only_the_apply_role_writes_the_state" {
  command = plan

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_iam_policy.github_apply.policy).Statement :
      flatten([statement.Action]) == ["s3:PutObject"] &&
      flatten([statement.Resource]) == ["arn:aws:s3:::pipesum-tfstate-123456789012-us-east-1/pipesum/prod/terraform.tfstate"]
    ])
    error_message = "The apply role must write prod's state object."
  }

  assert {
    condition = !anytrue(flatten([
      for statement in jsondecode(aws_iam_policy.github_read.policy).Statement : [
        for resource in flatten([statement.Resource]) : endswith(resource, "terraform.tfstate") && contains(flatten([statement.Action]), "s3:PutObject")
      ]
    ]))
    error_message = "The plan role must not write the state."
  }
}

run "roles_are_passed_to_lambda_only" {
  command = plan

  assert {
    condition = alltrue([
      for statement in jsondecode(aws_iam_policy.github_apply.policy).Statement :
      try(statement.Condition, null) == { StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } }
      if contains(flatten([statement.Action]), "iam:PassRole")
    ])
    error_message = "iam:PassRole must be conditioned on iam:PassedToService = lambda.amazonaws.com."
  }
}

run "more_ci_environments_widen_the_scope" {
  command = plan

  variables {
    ci_environments = ["dev", "prod"]
  }

  assert {
    condition = toset(flatten([
      for statement in jsondecode(aws_iam_policy.github_apply.policy).Statement :
      flatten([statement.Resource]) if statement.Sid == "ManageStackFunction"
    ])) == toset(["arn:aws:lambda:us-east-1:123456789012:function:pipesum-dev-*", "arn:aws:lambda:us-east-1:123456789012:function:pipesum-prod-*"])
    error_message = "Each CI environment must add its own <project>-<environment>-* scope."
  }
}

run "no_key_is_granted_by_its_tags" {
  command = plan

  # Whoever may tag a key at CreateKey may tag any key (decision 16): the stack's key policy names
  # the deploy roles instead.
  assert {
    condition = !anytrue(flatten([
      for policy in [aws_iam_policy.github_read, aws_iam_policy.github_apply, aws_iam_policy.github_apply_keys] : [
        for statement in jsondecode(policy.policy).Statement : [
          for test, conditions in try(statement.Condition, {}) : [
            for key, value in conditions : startswith(key, "aws:ResourceTag/") if test != "Null"
          ]
        ]
      ]
    ]))
    error_message = "No statement may grant on a resource's tags."
  }

  assert {
    condition = toset(flatten([
      for statement in jsondecode(aws_iam_policy.github_apply_keys.policy).Statement : flatten([statement.Action])
    ])) == toset(["kms:CreateKey", "kms:TagResource"])
    error_message = "The apply role's KMS policy may only create the stack's key and tag it as it is created."
  }
}

run "roles_are_created_only_within_the_boundary" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for policy in [aws_iam_policy.github_read, aws_iam_policy.github_apply, aws_iam_policy.github_apply_keys] : [
        for statement in jsondecode(policy.policy).Statement :
        try(statement.Condition.StringEquals["iam:PermissionsBoundary"], null) == "arn:aws:iam::123456789012:policy/pipesum-stack-role-boundary"
        if length(setintersection(flatten([statement.Action]), ["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"])) > 0
      ]
    ]))
    error_message = "iam:CreateRole, iam:PutRolePolicy and iam:PutRolePermissionsBoundary must be allowed only with the stack role boundary as iam:PermissionsBoundary."
  }

  assert {
    condition = !anytrue(flatten([
      for policy in [aws_iam_policy.github_read, aws_iam_policy.github_apply, aws_iam_policy.github_apply_keys] : [
        for statement in jsondecode(policy.policy).Statement : [
          for action in flatten([statement.Action]) : contains(["iam:DeleteRolePermissionsBoundary", "iam:AttachRolePolicy", "iam:CreatePolicyVersion"], action)
        ]
      ]
    ]))
    error_message = "The roles must not remove a boundary, or attach managed policies."
  }

  assert {
    condition     = aws_iam_policy.stack_role_boundary.name == "pipesum-stack-role-boundary"
    error_message = "The boundary policy must be named <project>-stack-role-boundary, as the main root's function_permissions_boundary_name says for prod."
  }

  assert {
    condition = alltrue(flatten([
      for statement in jsondecode(aws_iam_policy.stack_role_boundary.policy).Statement : [
        for action in flatten([statement.Action]) : !startswith(action, "iam:") && action != "*" && !endswith(action, ":*")
      ]
    ]))
    error_message = "The boundary must allow no IAM action and no wildcard action."
  }
}
