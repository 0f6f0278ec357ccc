import os from 'node:os'
import type { Plan, Section } from './bench.js'

/** What the report says about the machine and the run. */
export interface RunInfo extends Plan {
  readonly started: Date
  readonly seconds: number
  readonly loadBefore: readonly number[]
  readonly loadAfter: readonly number[]
  /** The scenarios of a partial run (`--only`); `undefined` for all of them. */
  readonly only: readonly string[] | undefined
}

/**
 * @param header - The column titles.
 * @param rows - The cells, row by row.
 * @returns A Markdown table.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

const runKind = ({ quick, only }: RunInfo): string =>
  quick ? 'Quick run' : only === undefined ? 'Full run' : 'Partial run'

const command = ({ quick, only }: RunInfo): string =>
  `pnpm bench${quick ? ' --quick' : ''}${only === undefined ? '' : ` --only=${only.join(',')}`}`

const load = (values: readonly number[]): string => values.map((v) => v.toFixed(2)).join(', ')

/**
 * @param info - The run.
 * @param sections - What each scenario measured.
 * @returns The Markdown report.
 */
export function report(info: RunInfo, sections: readonly Section[]): string {
  const cpus = os.cpus()
  const head = [
    `# ssekit benchmarks, ${info.started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `${runKind(info)} (\`${command(info)}\`), ${Math.round(info.seconds)} s. Node ${process.version}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${os.platform()} ${os.release()}. Load average (1, 5, 15 min) before: ${load(info.loadBefore)}; after: ${load(info.loadAfter)}.`,
    '',
    'Every contender is a server in its own process, the client another (raw sockets), the relay upstream a third. Contenders run interleaved, round after round in alternating order, so that drift of the machine cancels; ratios are taken within each round, then the median. See `bench/README.md` for what each scenario does.',
  ]
  const body = sections.flatMap((section) => [
    '',
    `## ${section.title}`,
    '',
    section.intro,
    '',
    table(section.header, section.rows),
    ...(section.notes ?? []).flatMap((note) => ['', note]),
  ])
  return `${[...head, ...body].join('\n')}\n`
}
