/**
 * The TL schema the sandbox speaks, read from the installed client's own schema text so that the
 * server always understands exactly the layer the client was built for.
 */

export interface TlParam {
  name: string;
  /** The type without its flag prefix, e.g. `Vector<User>`, `int`, `true`, `!X`. */
  type: string;
  /** For `flags.3?T`: the flag field's name and bit. */
  flag?: { field: string; bit: number };
}

export interface TlCombinator {
  name: string;
  id: number;
  params: TlParam[];
  /** Result type (`User`, `Vector<User>`, `X` for generic wrappers). */
  type: string;
  kind: 'constructor' | 'function';
  /** MTProto service-layer combinators carry binary data in `string` fields (pq, dh_prime...). */
  binaryStrings: boolean;
}

export interface TlSchema {
  byId: Map<number, TlCombinator>;
  constructors: Map<string, TlCombinator>;
  functions: Map<string, TlCombinator>;
  layer: number;
}

const LINE_RE = /^([\w.]+)#([0-9a-f]{1,8})\s+(.*?)=\s*([\w.<>!%]+);\s*$/;

function parseParams(text: string): TlParam[] {
  const params: TlParam[] = [];
  for (const token of text.split(/\s+/).filter(Boolean)) {
    // `{X:Type}` declares a generic parameter, not a field.
    if (token.startsWith('{')) continue;
    const colon = token.indexOf(':');
    if (colon < 0) continue;
    const name = token.slice(0, colon);
    const rawType = token.slice(colon + 1);
    const flagMatch = /^(\w+)\.(\d+)\?(.+)$/.exec(rawType);
    if (flagMatch) {
      params.push({ name, type: flagMatch[3], flag: { field: flagMatch[1], bit: Number(flagMatch[2]) } });
    } else {
      params.push({ name, type: rawType });
    }
  }
  return params;
}

/** Parses schema text in the `name#id params = Type;` form with `---functions---`/`---types---` sections. */
export function parseTlSchema(sources: { text: string; binaryStrings: boolean }[], layer: number): TlSchema {
  const schema: TlSchema = { byId: new Map(), constructors: new Map(), functions: new Map(), layer };
  for (const { text, binaryStrings } of sources) {
    let kind: TlCombinator['kind'] = 'constructor';
    for (const rawLine of text.split('\n')) {
      const line = rawLine.trim();
      if (!line || line.startsWith('//')) continue;
      if (line === '---functions---') {
        kind = 'function';
        continue;
      }
      if (line === '---types---') {
        kind = 'constructor';
        continue;
      }
      const m = LINE_RE.exec(line);
      // Lines without a constructor id (e.g. TLS hello descriptions) are not wire objects.
      if (!m) continue;
      const combinator: TlCombinator = {
        name: m[1],
        id: parseInt(m[2], 16) >>> 0,
        params: parseParams(m[3]),
        type: m[4],
        kind,
        binaryStrings,
      };
      // The vector pseudo-constructor is handled by the codec itself.
      if (combinator.name === 'vector') continue;
      schema.byId.set(combinator.id, combinator);
      (kind === 'function' ? schema.functions : schema.constructors).set(combinator.name, combinator);
    }
  }
  return schema;
}

let cached: TlSchema | undefined;

/** The schema of the installed gramjs (API layer + MTProto service layer), parsed once. */
export function loadInstalledSchema(): TlSchema {
  if (!cached) {
    // The schema ships as CommonJS modules exporting the raw text; reading it is the point.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const apiTl = require('telegram/tl/apiTl') as string;
    const schemaTl = require('telegram/tl/schemaTl') as string;
    const { LAYER } = require('telegram/tl/AllTLObjects') as { LAYER: number };
    /* eslint-enable @typescript-eslint/no-require-imports */
    cached = parseTlSchema(
      [
        { text: apiTl, binaryStrings: false },
        { text: schemaTl, binaryStrings: true },
      ],
      LAYER,
    );
  }
  return cached;
}
