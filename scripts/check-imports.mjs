// Fails on any import cycle between the source files of a package (type-only imports count:
// they tie files together for a reader as much as value imports do), and on an import that
// breaks core's layering: each folder of packages/core/src may import only the folders below
// it. Runs in `pnpm lint`. Reads `import`/`export … from` statements with a regular expression,
// which is enough for this code base: every import is a static relative or package specifier.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * What each folder of packages/core/src may import besides itself. An entry is a folder, or
 * one file of a folder (`upstream/forward.ts`). Files at the root of `src` (the package's
 * entries) may import anything.
 */
export const CORE_LAYERS = {
  util: [],
  event: ['util'],
  sink: ['util'],
  // A stream forwards an upstream call through `upstream/forward.ts`, which sees the stream only
  // through its public interface (`stream/types.ts`); the option types name what it accepts.
  stream: ['util', 'event', 'sink', 'upstream/forward.ts', 'upstream/options.ts'],
  upstream: ['util', 'event', 'stream/types.ts'],
  channel: ['util', 'event', 'stream', 'upstream'],
  relay: ['util', 'event', 'stream', 'upstream', 'channel'],
  adapter: ['util', 'event', 'sink', 'stream', 'upstream', 'channel', 'relay'],
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?|[\w$]+)\s+from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

/**
 * The relative specifiers a TypeScript file imports or re-exports.
 *
 * @param {string} source - The file's text.
 * @returns {string[]}
 */
export function importsOf(source) {
  const found = []
  for (const match of source.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? match[3]
    if (specifier.startsWith('.')) found.push(specifier)
  }
  return found
}

function sourceFiles(dir) {
  const files = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path))
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(path)
  }
  return files
}

function resolveImport(from, specifier) {
  const target = resolve(dirname(from), specifier)
  if (target.endsWith('.js')) return target.slice(0, -3) + '.ts'
  return target.endsWith('.ts') ? target : join(target, 'index.ts')
}

/**
 * The import graph of one folder: each file to the files of that folder it imports.
 *
 * @param {string} srcDir
 * @returns {Map<string, string[]>} Paths relative to `srcDir`, with `/` separators.
 */
export function importGraph(srcDir) {
  const name = (path) => relative(srcDir, path).split(sep).join('/')
  const graph = new Map()
  for (const file of sourceFiles(srcDir)) {
    const targets = importsOf(readFileSync(file, 'utf8'))
      .map((specifier) => resolveImport(file, specifier))
      .filter((target) => !relative(srcDir, target).startsWith('..'))
      .map(name)
    graph.set(name(file), [...new Set(targets)])
  }
  return graph
}

/**
 * Every cycle of a graph, each as the chain of files that closes it (the first file repeated
 * at the end), found by a depth-first search; one chain per cycle's set of files.
 *
 * @param {Map<string, string[]>} graph
 * @returns {string[][]}
 */
export function findCycles(graph) {
  const cycles = []
  const seen = new Set()
  const state = new Map() // file -> 'open' while on the current path, 'done' after
  const path = []
  const visit = (file) => {
    state.set(file, 'open')
    path.push(file)
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') {
        const chain = [...path.slice(path.indexOf(next)), next]
        const key = [...new Set(chain)].sort().join('\n')
        if (!seen.has(key)) {
          seen.add(key)
          cycles.push(chain)
        }
      } else if (!state.has(next) && graph.has(next)) visit(next)
    }
    path.pop()
    state.set(file, 'done')
  }
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file)
  return cycles
}

/**
 * Imports that break a folder layering: a source file in folder A importing a file of folder B
 * (or a file of B not named) that A's rule does not allow. Test files are not checked.
 *
 * @param {Map<string, string[]>} graph
 * @param {Record<string, string[]>} layers - Per folder, what it may import.
 * @returns {string[][]} Each violation as [importer, imported].
 */
export function findLayerViolations(graph, layers) {
  const violations = []
  for (const [file, targets] of graph) {
    const folder = file.includes('/') ? file.split('/')[0] : undefined
    // Tests may drive a feature through the layers above it; only cycles concern them.
    if (folder === undefined || /\.test(-d)?\.ts$/.test(file)) continue
    const allowed = layers[folder]
    for (const target of targets) {
      const targetFolder = target.includes('/') ? target.split('/')[0] : undefined
      if (targetFolder === folder) continue
      const ok =
        allowed !== undefined &&
        targetFolder !== undefined &&
        (allowed.includes(targetFolder) || allowed.includes(target))
      if (!ok) violations.push([file, target])
    }
  }
  return violations
}

/**
 * Checks every package of a workspace: no cycles anywhere, and core's layering.
 *
 * @param {string} root - The workspace root.
 * @param {Record<string, Record<string, string[]>>} layersByPackage - Folder rules per package
 * directory name.
 * @returns {string[]} One message per problem; empty when all is well.
 */
export function checkImports(root, layersByPackage = { core: CORE_LAYERS }) {
  const problems = []
  const packagesDir = join(root, 'packages')
  for (const pkg of readdirSync(packagesDir).sort()) {
    const srcDir = join(packagesDir, pkg, 'src')
    try {
      if (!statSync(srcDir).isDirectory()) continue
    } catch {
      continue
    }
    const graph = importGraph(srcDir)
    const at = `packages/${pkg}/src/`
    for (const chain of findCycles(graph)) {
      problems.push(`import cycle: ${chain.map((file) => at + file).join(' -> ')}`)
    }
    const layers = layersByPackage[pkg]
    if (layers === undefined) continue
    for (const [file, target] of findLayerViolations(graph, layers)) {
      const folder = file.split('/')[0]
      const allowed = layers[folder]
      const rule =
        allowed === undefined
          ? `${folder}/ has no layering rule`
          : `${folder}/ may import ${allowed.length > 0 ? allowed.join(', ') : 'nothing'}`
      problems.push(`layering: ${at}${file} -> ${at}${target} (${rule})`)
    }
  }
  return problems
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const problems = checkImports(root)
  for (const problem of problems) console.error(problem)
  if (problems.length > 0) {
    console.error(`\n${problems.length} import problem(s).`)
    process.exit(1)
  }
  console.log('imports: no cycles, layering respected')
}
