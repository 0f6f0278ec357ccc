// Type-checks every ```ts block of README.md and docs/*.md against the workspace packages, so
// that an example cannot drift from the API it shows. Each block becomes a file under
// test/.doc-examples (git-ignored; under test/ so that it resolves the packages test/ depends
// on), and each Markdown file is one TypeScript program, so a block that registers an event
// map types only the blocks of its own page. Run by `pnpm check:docs` and test/doc-examples.
//
// The words after `ts` in a block's info string say how to check it:
// - `nocheck`: not checked (a fragment, such as a single option line).
// - `express`, `koa`, `hono`, `fastify`: the block is a route of that framework's app, so
//   `app` (with `sse()` mounted), the framework's import (`express`, `Koa`, `Hono`, `Fastify`),
//   Koa's `router` and an upstream `url` are in scope unless the block declares them itself.
// - `file=<path>`: the block is written at that path, relative to its page's folder of
//   blocks, so that another block can import it (`import type { AppEvents } from './events'`).
// A line whose comment starts with `// error:` must be a type error.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const FENCE = /^```(\S*)(.*)$/

/**
 * The fenced code blocks of a Markdown text.
 *
 * @param {string} markdown
 * @returns {{ lang: string, words: string[], code: string, line: number }[]} `line`: the
 *   1-based line of the block's first code line.
 */
export function extractBlocks(markdown) {
  const blocks = []
  const lines = markdown.split('\n')
  let open
  for (const [index, text] of lines.entries()) {
    const trimmed = text.trimStart()
    if (open === undefined) {
      const match = FENCE.exec(trimmed)
      if (match === null) continue
      const indent = text.length - trimmed.length
      open = { lang: match[1], words: match[2].trim().split(/\s+/).filter(Boolean), indent }
      open.line = index + 2
      open.lines = []
    } else if (trimmed.startsWith('```')) {
      blocks.push({
        lang: open.lang,
        words: open.words,
        code: open.lines.join('\n'),
        line: open.line,
      })
      open = undefined
    } else {
      open.lines.push(text.slice(Math.min(open.indent, text.length - text.trimStart().length)))
    }
  }
  return blocks
}

/** What a framework's route needs in scope: each name, and the statement that declares it. */
const CONTEXTS = {
  express: [
    ['express', "import express from 'express'"],
    ['__sse', "import { sse as __sse } from '@ssekit/express'"],
    ['app', 'const app = express(); app.use(__sse())'],
    ['url', 'declare const url: string'],
  ],
  koa: [
    ['Koa', "import Koa from 'koa'"],
    ['Router', "import Router from '@koa/router'"],
    ['__sse', "import { sse as __sse } from '@ssekit/koa'"],
    ['app', 'const app = new Koa(); app.use(__sse())'],
    ['router', 'const router = new Router()'],
    ['url', 'declare const url: string'],
  ],
  hono: [
    ['Hono', "import { Hono } from 'hono'"],
    ['__sse', "import { sse as __sse } from '@ssekit/hono'"],
    ['app', 'const app = new Hono(); app.use(__sse())'],
    ['url', 'declare const url: string'],
  ],
  fastify: [
    ['Fastify', "import Fastify from 'fastify'"],
    ['__sse', "import { sse as __sse } from '@ssekit/fastify'"],
    ['app', 'const app = Fastify(); await app.register(__sse)'],
    ['url', 'declare const url: string'],
  ],
}

/** Whether `code` declares `name` at the start of a line (import, const, function…). */
function declares(code, name) {
  const word = `\\b${name}\\b`
  return new RegExp(
    `^(?:import\\s+(?:type\\s+)?(?:${word}|\\*\\s+as\\s+${word}|[^;\\n]*\\{[^}]*${word}[^}]*\\})|(?:export\\s+)?(?:const|let|var|function|class|declare\\s+const)\\s+${word})`,
    'm'
  ).test(code)
}

const EXPECT_ERROR = '// @ts-expect-error: the docs say this is an error'

/**
 * The text a block is checked as: its context on one first line, and a `@ts-expect-error`
 * before each line marked `// error:`.
 *
 * @param {string} code
 * @param {string | undefined} context - A key of {@link CONTEXTS}.
 * @returns {string}
 */
function blockFile(code, context) {
  const prelude = (CONTEXTS[context] ?? [])
    .filter(([name]) => !declares(code, name))
    .map(([, statement]) => statement)
  const lines = [prelude.length === 0 ? 'export {}' : `${prelude.join('; ')}; export {}`]
  for (const line of code.split('\n')) {
    if (/\/\/ error:/.test(line)) lines.push(EXPECT_ERROR)
    lines.push(line)
  }
  return lines.join('\n') + '\n'
}

/**
 * Maps a line of a generated file back to its block (both 1-based); an added
 * `@ts-expect-error` maps to the line it is about.
 */
function blockLine(text, fileLine) {
  const lines = text.split('\n').slice(1, fileLine)
  const own = lines.filter((line) => line !== EXPECT_ERROR).length
  return lines.at(-1) === EXPECT_ERROR ? own + 1 : own
}

function compilerOptions(root) {
  const base = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile).config
  const { options } = ts.parseJsonConfigFileContent(
    {
      ...base,
      compilerOptions: {
        ...base.compilerOptions,
        // As an app's own code, written for a bundler or a TypeScript runner.
        module: 'Preserve',
        moduleResolution: 'Bundler',
        isolatedDeclarations: false,
        declaration: false,
      },
    },
    ts.sys,
    root
  )
  return options
}

/** README.md and docs/*.md, by path. */
function readPages(root) {
  const paths = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .sort()
      .map((name) => `docs/${name}`),
  ]
  return Object.fromEntries(paths.map((path) => [path, readFileSync(join(root, path), 'utf8')]))
}

/**
 * Checks every ```ts block of `README.md` and `docs/*.md` under `root`.
 *
 * @param {string} root - The repository's root.
 * @param {Record<string, string>} [pages] - Markdown texts by path, to check instead of the
 *   repository's own pages.
 * @returns {{ checked: number, skipped: number, errors: string[] }} Each error names the
 *   Markdown file and line.
 */
export function checkDocExamples(root, pages = readPages(root)) {
  const outDir = join(root, 'test', '.doc-examples')
  rmSync(outDir, { recursive: true, force: true })
  const options = compilerOptions(root)
  const result = { checked: 0, skipped: 0, errors: [] }
  let program
  for (const [page, markdown] of Object.entries(pages)) {
    const pageDir = join(outDir, page.replace(/\.md$/, '').replace('/', '-'))
    const files = new Map()
    for (const [index, block] of extractBlocks(markdown).entries()) {
      if (block.lang !== 'ts' && block.lang !== 'typescript') continue
      if (block.words.includes('nocheck')) {
        result.skipped += 1
        continue
      }
      const context = block.words.find((word) => word in CONTEXTS)
      const path = block.words.find((word) => word.startsWith('file='))?.slice(5)
      const file = join(pageDir, path ?? `block-${index + 1}.ts`)
      const text = blockFile(block.code, context)
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, text)
      files.set(resolve(file), { block, text })
      result.checked += 1
    }
    if (files.size === 0) continue
    program = ts.createProgram({ rootNames: [...files.keys()], options, oldProgram: program })
    for (const [file, { block, text }] of files) {
      const source = program.getSourceFile(file)
      const diagnostics = [
        ...program.getSyntacticDiagnostics(source),
        ...program.getSemanticDiagnostics(source),
      ]
      for (const diagnostic of diagnostics) {
        const { line } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
        const at = block.line + blockLine(text, line + 1) - 1
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
        result.errors.push(`${page}:${at}: ${message} (${relative(root, file)})`)
      }
    }
  }
  return result
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  const { checked, skipped, errors } = checkDocExamples(root)
  for (const error of errors) console.error(error)
  console.log(
    `${checked} code blocks type-checked, ${skipped} skipped (nocheck), ${errors.length} errors`
  )
  process.exitCode = errors.length === 0 ? 0 : 1
}
