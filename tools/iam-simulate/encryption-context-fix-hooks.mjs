// The loader hook of encryption-context-fix.mjs: inserts a few lines before one line of each of two
// engine modules, and refuses to run if that line is not there exactly once.
const PATCHES = [
  {
    // listHasVariableKeyMatch: keep a request key that matches a documented "prefix:${Variable}".
    module: '/@cloud-copilot/iam-simulate/dist/esm/simulation_engine/simulationEngine.js',
    before: "    const firstSlashIndex = lowerCaseKey.indexOf('/');",
    insert: `    for (const variable of contextVariables) {
        const templateStart = variable.indexOf('\${');
        if (templateStart > 0 && variable[templateStart - 1] === ':' &&
            lowerCaseKey.length > templateStart && lowerCaseKey.startsWith(variable.slice(0, templateStart))) {
            return true;
        }
    }
`
  },
  {
    // replaceVariableInContextKey: name the kept key by the request's key, not by the template.
    module: '/@cloud-copilot/iam-simulate/dist/esm/context_keys/contextKeys.js',
    before: "    const slashIndex = specKey.indexOf('/');",
    insert: `    const templateStart = specKey.indexOf('\${');
    if (templateStart > 0 && specKey[templateStart - 1] === ':') {
        return specKey.slice(0, templateStart) + actualKey.slice(templateStart);
    }
`
  }
]

export async function load(url, context, nextLoad) {
  const loaded = await nextLoad(url, context)
  const patch = PATCHES.find((candidate) => url.endsWith(candidate.module))
  if (patch === undefined) {
    return loaded
  }
  const source = Buffer.from(loaded.source).toString('utf8')
  if (source.split(patch.before).length !== 2) {
    throw new Error(
      `${url} no longer holds the line the encryption-context fix patches ("${patch.before.trim()}"). ` +
        'Check whether this version keeps kms:EncryptionContext:<key> (the suite has a test for it), ' +
        'then drop or adapt tools/iam-simulate/encryption-context-fix*.mjs.'
    )
  }
  return { ...loaded, source: source.replace(patch.before, patch.insert + patch.before) }
}
