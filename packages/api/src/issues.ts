// A validation finding, addressed by a field path such as `spec.sink.config.batchSize`.
export interface SpecIssue {
  readonly path: string;
  readonly message: string;
}

export class SpecValidationError extends Error {
  readonly issues: readonly SpecIssue[];
  constructor(issues: readonly SpecIssue[], what = 'DataFlow spec') {
    super(`${what} is invalid:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'SpecValidationError';
    this.issues = issues;
  }
}

/** Joins path segments the Kubernetes way: `spec.transformations[2].config.fields`. */
export function joinPath(base: string, segment: string | number): string {
  if (typeof segment === 'number') return `${base}[${segment}]`;
  return base ? `${base}.${segment}` : segment;
}
