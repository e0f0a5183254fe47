import { gunzipSync } from 'node:zlib';
import { TL_LAYERS_GZIP_BASE64 } from './tl-layers/layers-data';
import { present } from '../../common/present';

/**
 * The TL schemas the sandbox speaks: one per published API layer (`loadLayerSchema`), from the merged
 * data in `tl-layers/`, and the installed gramjs's own schema text (`loadInstalledSchema`).
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
      params.push({
        name,
        type: present(flagMatch[3], 'the flag type'),
        flag: { field: present(flagMatch[1], 'the flag field'), bit: Number(flagMatch[2]) },
      });
    } else {
      params.push({ name, type: rawType });
    }
  }
  return params;
}

/** Parses one `name#id params = Type;` line (the `;` optional), or undefined for lines that are not wire objects. */
export function parseTlLine(
  line: string,
  kind: TlCombinator['kind'],
  binaryStrings: boolean,
): TlCombinator | undefined {
  const m = LINE_RE.exec(line.endsWith(';') ? line : `${line};`);
  // Lines without a constructor id (e.g. TLS hello descriptions) are not wire objects.
  if (!m) return undefined;
  const [, name, id, params, type] = m;
  return {
    name: present(name, 'the combinator name'),
    id: parseInt(present(id, 'the constructor id'), 16) >>> 0,
    params: parseParams(present(params, 'the parameters')),
    type: present(type, 'the result type'),
    kind,
    binaryStrings,
  };
}

function addCombinator(schema: TlSchema, combinator: TlCombinator): void {
  // The vector pseudo-constructor is handled by the codec itself.
  if (combinator.name === 'vector') return;
  schema.byId.set(combinator.id, combinator);
  (combinator.kind === 'function' ? schema.functions : schema.constructors).set(combinator.name, combinator);
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
      const combinator = parseTlLine(line, kind, binaryStrings);
      if (combinator) addCombinator(schema, combinator);
    }
  }
  return schema;
}

let cached: TlSchema | undefined;

/** The schema of the installed gramjs (API layer + MTProto service layer), parsed once; tests read gramjs's bytes with it. */
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

/**
 * The API layers the door serves, from `tl-layers/layers-data.ts` (built by `scripts/build-tl-layers.mjs`
 * from published client packages; see `tl-layers/README.md`): every combinator once, with the published
 * layers it exists in.
 */
interface LayerCatalogData {
  layers: { layer: number; source: string }[];
  /** MTProto service combinators (`C`/`F` prefixed lines): the same in every layer. */
  service: string[];
  /** `[C|F line, "0-12,14"]`: a combinator and the indexes (into `layers`) of the layers it is in. */
  combinators: [string, string][];
}

/** The lowest layer served: layer 133 made user, chat and channel ids 64-bit. */
export const LOWEST_LAYER = 133;
/** A connection that never named its layer (and whose auth key never did) is answered in this one. */
export const DEFAULT_LAYER = 198;

/** The catalog parsed once: every combinator with the layer indexes it exists in. */
interface LayerCatalog {
  layers: { layer: number; source: string }[];
  service: TlCombinator[];
  combinators: { combinator: TlCombinator; ranges: [number, number][] }[];
}

let catalog: LayerCatalog | undefined;
const layerSchemas = new Map<number, TlSchema>();

function parseCatalogLine(line: string, binaryStrings: boolean): TlCombinator | undefined {
  return parseTlLine(line.slice(2), line.startsWith('F ') ? 'function' : 'constructor', binaryStrings);
}

function catalogData(): LayerCatalog {
  if (!catalog) {
    const data = JSON.parse(
      gunzipSync(Buffer.from(TL_LAYERS_GZIP_BASE64, 'base64')).toString('utf8'),
    ) as LayerCatalogData;
    // Combinator objects are never modified, so every layer's schema shares them.
    catalog = { layers: data.layers, service: [], combinators: [] };
    for (const line of data.service) {
      const combinator = parseCatalogLine(line, true);
      if (combinator) catalog.service.push(combinator);
    }
    for (const [line, ranges] of data.combinators) {
      const combinator = parseCatalogLine(line, false);
      if (!combinator) continue;
      catalog.combinators.push({
        combinator,
        ranges: ranges.split(',').map((part): [number, number] => {
          const [lo, hi] = part.split('-').map(Number);
          const low = present(lo, 'the range start');
          return [low, hi ?? low];
        }),
      });
    }
  }
  return catalog;
}

/** The published layers (ascending) and the package each schema was taken from. */
export function publishedLayers(): { layer: number; source: string }[] {
  return catalogData().layers.map((l) => ({ ...l }));
}

export function newestLayer(): number {
  const { layers } = catalogData();
  return present(layers.at(-1), 'the newest published layer').layer;
}

/**
 * The published layer whose schema answers a client at `requested`: the nearest published layer at or
 * below it. Below the lowest published layer (133 and 134: no client package ships them) the lowest
 * published one answers, since older schemas predate 64-bit ids; above the newest, the newest.
 */
export function resolveLayer(requested: number): number {
  const { layers } = catalogData();
  let chosen = present(layers[0], 'the lowest published layer').layer;
  for (const { layer } of layers) if (layer <= requested) chosen = layer;
  return chosen;
}

/** The schema (API + MTProto service combinators) a client at `requested` layer is answered in, cached. */
export function loadLayerSchema(requested: number): TlSchema {
  const layer = resolveLayer(requested);
  let schema = layerSchemas.get(layer);
  if (schema) return schema;
  const data = catalogData();
  const index = data.layers.findIndex((l) => l.layer === layer);
  schema = { byId: new Map(), constructors: new Map(), functions: new Map(), layer };
  for (const { combinator, ranges } of data.combinators) {
    if (ranges.some(([lo, hi]) => index >= lo && index <= hi)) addCombinator(schema, combinator);
  }
  for (const combinator of data.service) addCombinator(schema, combinator);
  layerSchemas.set(layer, schema);
  return schema;
}

const INVOKE_WITH_LAYER_ID = 0xda9b0d0d;
const INVOKE_WITHOUT_UPDATES_ID = 0xbf9459b7;
const INVOKE_AFTER_MSG_ID = 0xcb9f372d;

/**
 * The layer a request names with `invokeWithLayer`, looked up before the request is read (its query is
 * in that layer's constructors), also under `invokeWithoutUpdates` / `invokeAfterMsg` wrappers.
 */
export function namedLayer(body: Buffer): number | undefined {
  let offset = 0;
  for (let depth = 0; depth < 4 && offset + 8 <= body.length; depth++) {
    const id = body.readUInt32LE(offset);
    if (id === INVOKE_WITH_LAYER_ID) return body.readInt32LE(offset + 4);
    if (id === INVOKE_WITHOUT_UPDATES_ID) offset += 4;
    else if (id === INVOKE_AFTER_MSG_ID) offset += 12;
    else return undefined;
  }
  return undefined;
}
