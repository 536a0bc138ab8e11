// Metric names used by a PromQL expression (or a Grafana `label_values(…)` query), found without a
// full PromQL parser: strings, label matchers, ranges, grouping clauses and Grafana variables are
// removed first, then every remaining identifier that is not a function call, keyword or part of
// a number is a metric name. Enough for the dashboard and alert rules this repository ships.
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const token = match[0];
    const start = match.index;
    const before = stripped[start - 1] ?? ' ';
    // `5m` in `offset 5m`, `e3` in `1e3`: part of a number or duration.
    if (/[0-9.]/.test(before)) continue;
    if (stripped.slice(start + token.length).trimStart().startsWith('(')) continue;
    if (KEYWORDS.has(token.toLowerCase())) continue;
    names.add(token);
  }
  return [...names];
}

const HISTOGRAM_SERIES = /_(?:bucket|sum|count)$/;

/**
 * The names of `used` that none of `known` exports. `histograms` lists the histogram families,
 * whose `_bucket`, `_sum` and `_count` series count as known.
 */
export function unknownMetricNames(used: readonly string[], known: ReadonlySet<string>, histograms: ReadonlySet<string>): string[] {
  return used.filter((name) => !known.has(name) && !(HISTOGRAM_SERIES.test(name) && histograms.has(name.replace(HISTOGRAM_SERIES, ''))));
}
