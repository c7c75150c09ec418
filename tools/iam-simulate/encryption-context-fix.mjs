// A fix carried for @cloud-copilot/iam-simulate 0.1.173 (decision 12), applied as the module loads.
//
// The engine keeps a request key only if the action documents it. It matches variable keys by the
// text before their first "/" (aws:PrincipalTag/x), so kms:EncryptionContext:<key>, documented as
// kms:EncryptionContext:${EncryptionContextKey}, is dropped and every encryption-context condition
// reads as missing. The fix also accepts a key that starts with the text before a "${" that
// follows a ":". tests/integration/test_policy_simulation.py checks that the published engine
// still drops the key; when it stops doing so, delete this file and its --import.
import { register } from 'node:module'

register('./encryption-context-fix-hooks.mjs', import.meta.url)
