// PLACEHOLDER — replaced by the connectors helper.
export interface SourceConfigs { file: { path: string } }
export interface SinkConfigs { stdout: Record<string, never> }
