// PLACEHOLDER — replaced by the transforms helper.
export interface TransformConfigs { filter: { condition: string } }
