// The summary `dataflow run` prints when a flow ends: a small aligned table for people (stderr, so
// it never mixes with what a stdout sink writes), or one JSON object with --json.
import type { PipelineSummary } from '@dataflow/worker';

export interface RunReport {
  readonly namespace: string;
  readonly name: string;
  /** True when Ctrl-C / SIGTERM ended the run (after draining), false when the source was exhausted. */
  readonly stopped: boolean;
  readonly summary: PipelineSummary;
  /** Sink name → connector type (`main` → `file`, `refunds` → `stdout`, `errors` → `file`). */
  readonly sinkTypes: ReadonlyMap<string, string>;
}

export function messagesPerSecond(summary: PipelineSummary): number {
  return summary.elapsedSeconds > 0 ? summary.read / summary.elapsedSeconds : 0;
}

export function reportJson(report: RunReport): string {
  const { summary } = report;
  const written: Record<string, { type: string; count: number }> = {};
  for (const [sink, count] of Object.entries(summary.written)) written[sink] = { type: report.sinkTypes.get(sink) ?? 'unknown', count };
  return JSON.stringify({
    flow: { namespace: report.namespace, name: report.name },
    ended: report.stopped ? 'stopped' : 'source-exhausted',
    read: summary.read,
    written,
    filtered: summary.filtered,
    deadLettered: summary.deadLettered,
    failed: summary.failed,
    committed: summary.committed,
    uncommitted: summary.uncommitted,
    elapsedSeconds: round(summary.elapsedSeconds, 3),
    messagesPerSecond: Math.round(messagesPerSecond(summary)),
  });
}

export function reportText(report: RunReport): string {
  const { summary } = report;
  const rows: [string, string][] = [['read', count(summary.read)]];
  const sinks = Object.entries(summary.written);
  sinks.forEach(([sink, written], i) => {
    rows.push([i === 0 ? 'written' : '', `${count(written)}  ${sink} (${report.sinkTypes.get(sink) ?? 'unknown'})`]);
  });
  rows.push(['filtered', count(summary.filtered)]);
  rows.push(['dead-lettered', count(summary.deadLettered)]);
  rows.push(['failed', count(summary.failed)]);
  rows.push(['committed', count(summary.committed)]);
  if (summary.uncommitted > 0) rows.push(['uncommitted', `${count(summary.uncommitted)}  (read again on the next run)`]);
  rows.push(['elapsed', `${round(summary.elapsedSeconds, 2)} s`]);
  rows.push(['throughput', `${count(Math.round(messagesPerSecond(summary)))} msg/s`]);

  const width = Math.max(...rows.map(([label]) => label.length));
  const numberWidth = Math.max(...rows.map(([, value]) => /^[\d,]+/.exec(value)?.[0].length ?? 0));
  const how = report.stopped ? 'stopped (drained after a signal)' : 'finished (source exhausted)';
  const lines = [`DataFlow ${report.namespace}/${report.name} ${how}`];
  for (const [label, value] of rows) {
    // Right-align the leading number so counts line up.
    const number = /^[\d,]+/.exec(value)?.[0] ?? '';
    lines.push(`  ${label.padEnd(width)}  ${number.padStart(numberWidth)}${value.slice(number.length)}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function round(n: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(n * factor) / factor;
}
