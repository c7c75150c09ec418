# Every variable validation: a value that must be refused is refused, with the variable named.

mock_provider "aws" {
  source          = "./tests/mocks"
  override_during = plan
}

variables {
  github_repository = "octo-org/pipesum"
}

run "repository_may_not_be_a_wildcard" {
  command = plan

  variables {
    github_repository = "octo-org/*"
  }

  expect_failures = [var.github_repository]
}

run "repository_may_not_be_an_owner_alone" {
  command = plan

  variables {
    github_repository = "octo-org"
  }

  expect_failures = [var.github_repository]
}

run "repository_may_not_be_a_url" {
  command = plan

  variables {
    github_repository = "https://github.com/octo-org/pipesum"
  }

  expect_failures = [var.github_repository]
}

run "repository_may_not_inject_a_subject_part" {
  command = plan

  variables {
    github_repository = "octo-org/pipesum:ref:refs/heads/main"
  }

  expect_failures = [var.github_repository]
}

run "repository_with_dots_and_underscores_is_accepted" {
  command = plan

  variables {
    github_repository = "Octo-Org/pipe_sum.v2"
  }

  assert {
    condition     = jsondecode(aws_iam_role.github_plan.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == ["repo:Octo-Org/pipe_sum.v2:pull_request", "repo:Octo-Org/pipe_sum.v2:ref:refs/heads/main"]
    error_message = "The repository must be taken as given, casing included."
  }
}

run "environment_name_may_not_be_a_wildcard" {
  command = plan

  variables {
    github_production_environment = "*"
  }

  expect_failures = [var.github_production_environment]
}

run "bucket_name_must_be_valid_for_s3" {
  command = plan

  variables {
    state_bucket_name = "Pipesum_State"
  }

  expect_failures = [var.state_bucket_name]
}

run "bucket_name_may_not_look_like_an_ip_address" {
  command = plan

  variables {
    state_bucket_name = "192.168.1.1"
  }

  expect_failures = [var.state_bucket_name]
}

run "project_must_be_a_short_lowercase_name" {
  command = plan

  variables {
    project = "Pipesum"
  }

  expect_failures = [var.project]
}

run "region_must_look_like_a_region" {
  command = plan

  variables {
    region = "europe"
  }

  expect_failures = [var.region]
}

run "retention_must_be_a_positive_whole_number" {
  command = plan

  variables {
    noncurrent_version_retention_days = 0
  }

  expect_failures = [var.noncurrent_version_retention_days]
}

run "deletion_window_is_7_to_30_days" {
  command = plan

  variables {
    kms_key_deletion_window_days = 5
  }

  expect_failures = [var.kms_key_deletion_window_days]
}

run "environment_names_follow_the_main_root" {
  command = plan

  variables {
    environments = ["Prod"]
  }

  expect_failures = [var.environments]
}

run "environments_may_not_shadow_this_roots_resources" {
  command = plan

  variables {
    environments    = ["dev", "prod", "github"]
    ci_environments = ["prod"]
  }

  expect_failures = [var.environments]
}

run "ci_environments_must_be_known_environments" {
  command = plan

  variables {
    ci_environments = ["staging"]
  }

  expect_failures = [var.ci_environments]
}

run "ci_environments_may_not_be_empty" {
  command = plan

  variables {
    ci_environments = []
  }

  expect_failures = [var.ci_environments]
}
