import type { JsonSchema } from './jsonSchema';

/** Adds the facts hover should show (type, allowed values, default) below the description. */
export function describe(schema: JsonSchema): JsonSchema {
  const facts: string[] = [];
  const type = typeName(schema);
  if (type) facts.push(`Type: \`${type}\``);
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.filter((v) => v !== null).map((v) => `\`${String(v)}\``);
    if (values.length) facts.push(`Allowed values: ${values.join(', ')}`);
  }
  if (schema.const !== undefined) facts.push(`Value: \`${String(schema.const)}\``);
  if (schema.default !== undefined) facts.push(`Default: \`${JSON.stringify(schema.default)}\``);
  if (typeof schema.pattern === 'string') facts.push(`Pattern: \`${schema.pattern}\``);
  if (facts.length === 0) return schema;
  const text = typeof schema.description === 'string' ? escapeMarkdown(schema.description) : '';
  return { ...schema, markdownDescription: [text, facts.join('  \n')].filter(Boolean).join('\n\n') };
}

function typeName(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  if (typeof schema.type === 'string') {
    if (schema.type === 'array' && schema.items && !Array.isArray(schema.items)) {
      const inner = typeName(schema.items);
      return inner ? `${inner}[]` : 'array';
    }
    return schema.type;
  }
  if (schema.anyOf) {
    const names = schema.anyOf.map(typeName).filter(Boolean);
    if (names.length) return names.join(' | ');
  }
  return undefined;
}

function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_<>[\]])/g, '\\$1');
}
