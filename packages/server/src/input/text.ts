/**
 * What PostgreSQL cannot store in text, and what Pavise therefore refuses at every surface
 * (HTTP bodies and parameters, GraphQL literals, the CLI) rather than silently altering: NUL
 * characters, and lone UTF-16 surrogates, which have no UTF-8 form (they would be stored as
 * U+FFFD). Invalid UTF-8 is refused where bytes are decoded (input/json.ts).
 */
export function unstorableText(value: string): string | undefined {
  if (value.includes('\u0000')) return 'a NUL character (U+0000)';
  if (!value.isWellFormed()) return 'a lone surrogate (a UTF-16 code unit with no pair)';
  return undefined;
}
