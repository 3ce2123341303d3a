/**
 * HTML for mail, escaped by construction: `html\`<p>${value}</p>\`` escapes every interpolated
 * string, so a controller's name or a person's display name cannot inject markup. Already built
 * fragments (another `html` result) are inserted as they are.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

type Interpolation = SafeHtml | string | number | readonly (SafeHtml | string)[] | null | undefined;

function fragment(value: Interpolation): string {
  if (value === null || value === undefined) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(fragment).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, index) => {
    out += fragment(value) + strings[index + 1]!;
  });
  return new SafeHtml(out);
}
