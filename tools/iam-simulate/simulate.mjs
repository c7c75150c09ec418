// Decides IAM requests with @cloud-copilot/iam-simulate, for tests/integration/test_policy_simulation.py.
//
//   node --import ./encryption-context-fix.mjs simulate.mjs < requests.json   (what the suite runs)
//   node simulate.mjs < requests.json                                          (the engine as published)
//
// Input: a JSON array of requests, each
//   { id, principal, action, resource, resourceAccount, context: {key: value | [values]},
//     identityPolicies: [{name, policy}], resourcePolicy?, permissionBoundaryPolicies? }
// Output: a JSON array of { id, result, ignoredContextKeys } (result: Allowed, ImplicitlyDenied,
// ExplicitlyDenied) or { id, error } when the engine refused the request's policies.
import { runSimulation } from '@cloud-copilot/iam-simulate'

async function decide(request) {
  const simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: request.context ?? {}
    },
    identityPolicies: request.identityPolicies ?? [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy ?? undefined,
    permissionBoundaryPolicies: request.permissionBoundaryPolicies ?? undefined
  }
  const outcome = await runSimulation(simulation, { simulationMode: 'Strict' })
  if (outcome.resultType === 'error') {
    return { id: request.id, error: outcome.errors }
  }
  const results = outcome.resultType === 'single' ? [outcome.result] : outcome.results
  const ignored = [...new Set(results.flatMap((result) => result.ignoredContextKeys ?? []))]
  return { id: request.id, result: outcome.overallResult, ignoredContextKeys: ignored }
}

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const requests = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const decisions = []
for (const request of requests) decisions.push(await decide(request))
process.stdout.write(JSON.stringify(decisions) + '\n')
