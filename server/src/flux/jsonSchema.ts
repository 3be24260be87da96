/** The subset of JSON Schema this project reads and writes; unknown keywords pass through untouched. */
export interface JsonSchema {
  $id?: string;
  $ref?: string;
  title?: string;
  description?: string;
  markdownDescription?: string;
  deprecationMessage?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  format?: string;
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  items?: JsonSchema | JsonSchema[];
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  not?: JsonSchema;
  examples?: unknown[];
  [keyword: string]: unknown;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The schema of the value at `keyPath` below `schema` (`'[]'` steps into array items), following
 * `properties` and `items` only; undefined where the schema does not say.
 */
export function schemaAt(schema: JsonSchema, keyPath: readonly string[]): JsonSchema | undefined {
  let at: JsonSchema | undefined = schema;
  for (const step of keyPath) {
    if (!at) return undefined;
    if (step === '[]') at = Array.isArray(at.items) ? undefined : at.items;
    else at = at.properties?.[step];
  }
  return at;
}
