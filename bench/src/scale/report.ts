import os from 'node:os'
import { kb, num } from '../format.js'
import { table } from '../report.js'
import type { ScalePlan, ScaleResult } from './measure.js'

/** What the report says about the run. */
interface ScaleRun {
  readonly command: string
  readonly started: Date
  readonly seconds: number
  readonly loadBefore: readonly number[]
  readonly loadAfter: readonly number[]
}

const ms = (micros: number): string => `${num(micros / 1e3)} ms`
const times = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–')
const load = (values: readonly number[]): string => values.map((v) => v.toFixed(2)).join(', ')

/** A row: what is measured, how to show it, and the goal of its ratio to raw, if any. */
type Row = readonly [string, (result: ScaleResult) => number, (value: number) => string, string?]

const ROWS: readonly Row[] = [
  ['streams open', (r) => r.opened, (v) => v.toLocaleString('en')],
  ['connect time, all streams', (r) => r.connectMs, (v) => `${(v / 1e3).toFixed(1)} s`],
  ['server RSS per stream (after gc)', (r) => r.rssPerStream, kb, '≤ 1.2×'],
  ['server heap per stream (after gc)', (r) => r.heapPerStream, kb, '≤ 1.2×'],
  ['server CPU while idle (heartbeats), cores', (r) => r.idleCores, (v) => v.toFixed(3)],
  ['streams lost during the hold', (r) => r.lost, (v) => String(v)],
  ['delivery to each stream p50', (r) => r.p50, ms],
  ['delivery to each stream p99', (r) => r.p99, ms],
  ['delivery to the last stream (median of broadcasts)', (r) => r.last, ms, '≤ 1.5×'],
  ['delivery to the last stream (worst broadcast)', (r) => r.lastWorst, ms],
  ['deliveries missing', (r) => r.missing, (v) => String(v)],
]

/**
 * @param run - The run.
 * @param plan - The sizes of ssekit against raw.
 * @param clusterPlan - The sizes of one Redis server against a cluster.
 * @param results - By part: `raw`, `express`, `ssekit`, `one server`, `cluster`.
 * @returns The Markdown report.
 */
export function scaleReport(
  run: ScaleRun,
  plan: ScalePlan,
  clusterPlan: ScalePlan,
  results: ReadonlyMap<string, ScaleResult>
): string {
  const cpus = os.cpus()
  const lines = [
    `# ssekit at scale, ${run.started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `\`${run.command}\`, ${Math.round(run.seconds)} s. Node ${process.version}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${os.platform()} ${os.release()}. Load average (1, 5, 15 min) before: ${load(run.loadBefore)}; after: ${load(run.loadAfter)}. Servers and clients share the machine.`,
  ]
  const raw = results.get('raw')
  const ssekit = results.get('ssekit')
  const express = results.get('express')
  const measured = [raw, express, ssekit].find((result) => result !== undefined)
  if (measured !== undefined) {
    const cell = (result: ScaleResult | undefined, show: (v: number) => string, v: number) =>
      result === undefined ? '–' : show(v)
    lines.push(
      '',
      `## ${plan.streams.toLocaleString('en')} streams: ssekit against raw \`node:http\``,
      '',
      `${measured.servers} server processes share one \`redis-server\` and as many client processes hold the streams, each from its own loopback address. The streams stay open ${plan.holdSeconds} s (server CPU over the first ${plan.idleSeconds} s, heartbeat every 15 s), then ${plan.broadcasts} broadcasts of a 64-byte event from the first server, each once every stream has the one before (after one that warms up). "Express alone" is raw's route in an Express app: what Express itself costs.`,
      '',
      table(
        [
          'Measure',
          'raw',
          'Express alone',
          'ssekit',
          'ssekit / raw',
          'ssekit / Express alone',
          'goal',
        ],
        ROWS.map(([label, value, show, goal]) => {
          const of = (result: ScaleResult | undefined): number =>
            result === undefined ? NaN : value(result)
          return [
            label,
            cell(raw, show, of(raw)),
            cell(express, show, of(express)),
            cell(ssekit, show, of(ssekit)),
            times(of(ssekit) / of(raw)),
            times(of(ssekit) / of(express)),
            goal ?? '',
          ]
        })
      )
    )
  }
  const one = results.get('one server')
  const cluster = results.get('cluster')
  if (one !== undefined && cluster !== undefined) {
    lines.push(
      '',
      `## What a cluster costs: ${clusterPlan.streams.toLocaleString('en')} streams`,
      '',
      `ssekit's servers (${one.servers}) on one \`redis-server\`, then on a local Redis Cluster of 3 masters without replicas (sharded pub/sub); ${clusterPlan.broadcasts} broadcasts from the first server.`,
      '',
      table(
        ['Redis', 'delivery p50', 'p99', 'to the last (median)', 'to the last (worst)', 'missing'],
        (
          [
            ['one server', one],
            ['cluster, 3 masters', cluster],
          ] as const
        ).map(([name, result]) => [
          name,
          ms(result.p50),
          ms(result.p99),
          ms(result.last),
          ms(result.lastWorst),
          String(result.missing),
        ])
      ),
      '',
      `Cluster / one server: p50 ${times(cluster.p50 / one.p50)}, p99 ${times(cluster.p99 / one.p99)}, to the last ${times(cluster.last / one.last)}.`
    )
  }
  return `${lines.join('\n')}\n`
}
