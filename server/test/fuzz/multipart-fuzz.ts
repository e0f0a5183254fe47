/**
 * Multipart upload cases: complete forms, forms cut short inside a part (the HTTP request is
 * complete, the form is not), uploads the client abandons mid-body (socket destroyed), hostile
 * field values and odd filename encodings.
 */
import fc from 'fast-check';
import { BOUNDARY, fieldPart, multipartBody, type RawPart } from '../helpers/raw-http';
import { HOSTILE, RawJson, resolve, validValue, type OpenApiDocument, type Operation } from './openapi-fuzz';
import { present } from '../helpers/present';

export type UploadMode = 'complete' | 'truncated' | 'aborted' | 'hostile-field' | 'odd-filename';

export interface UploadCase {
  mode: UploadMode;
  /** What is odd about the request, for the failure report. */
  note: string;
  body: Buffer;
  /** Bytes written before the socket is destroyed or the body is declared complete. */
  sendBytes: number;
  /** Content-Length announced. */
  contentLength: number;
}

/** Content-Disposition parameters for the file part that have broken parsers before. */
export const ODD_FILENAMES: string[] = [
  `filename*=UTF-8''%E2%82%AC%20rates.txt`,
  `filename*=UTF-8''%ZZ%`,
  `filename*=utf-8'en'%C3%28.txt`,
  `filename*=ISO-8859-1''caf%E9.txt`,
  `filename*=UNKNOWN''x.txt`,
  `filename="x.png"; filename*=UTF-8''y.png`,
  'filename="a\u0000b.txt"',
  'filename=""',
  `filename="${'n'.repeat(5000)}.bin"`,
  'filename="../../etc/passwd"',
  'filename="caf\xe9.txt"',
  'filename="C:\\\\Windows\\\\win.ini"',
  'filename=noquotes.bin',
  'filename="unterminated.bin',
];

const asText = (v: unknown): string =>
  v instanceof RawJson ? v.text : typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);

/** The operation's text fields with schema-valid values, as form fields. */
function validFields(doc: OpenApiDocument, op: Operation): fc.Arbitrary<RawPart[]> {
  const schema = resolve(doc, op.multipart!.schema);
  const props = Object.entries(schema.properties ?? {}).filter(([, p]) => resolve(doc, p).format !== 'binary');
  if (!props.length) return fc.constant([]);
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, p] of props) shape[name] = validValue(doc, p);
  return fc.record(shape, { requiredKeys: (schema.required ?? []).filter((k) => k in shape) }).map((rec) =>
    Object.entries(rec)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => fieldPart(k, asText(v))),
  );
}

const filePartOf = (field: string, disposition: string, data: Buffer): RawPart => ({
  disposition: `name="${field}"; ${disposition}`,
  contentType: 'application/octet-stream',
  data,
});

const CLOSING = `--${BOUNDARY}--\r\n`;

export const UPLOAD_MODES: UploadMode[] = ['complete', 'truncated', 'aborted', 'hostile-field', 'odd-filename'];

/** Upload cases for a form with the given text fields and file part names, by mode. */
export function uploadArbitraries(
  fields: fc.Arbitrary<RawPart[]>,
  fileFields: string[],
): Record<UploadMode, fc.Arbitrary<UploadCase>> {
  const file = fc.record({
    field: fc.constantFrom(...fileFields),
    size: fc.oneof(fc.integer({ min: 0, max: 2048 }), fc.integer({ min: 64 * 1024, max: 600 * 1024 })),
    byte: fc.integer({ min: 0, max: 255 }),
  });
  const whole = (parts: RawPart[]): Pick<UploadCase, 'body' | 'sendBytes' | 'contentLength'> => {
    const body = multipartBody(parts);
    return { body, sendBytes: body.length, contentLength: body.length };
  };
  const named = (f: { field: string; size: number; byte: number }): RawPart =>
    filePartOf(f.field, 'filename="upload.bin"', Buffer.alloc(f.size, f.byte));
  return {
    complete: fc
      .tuple(fields, file)
      .map(([fs, f]) => ({ mode: 'complete' as const, note: `${f.size} bytes`, ...whole([...fs, named(f)]) })),
    truncated: fc.tuple(fields, file, fc.double({ min: 0.05, max: 1, noNaN: true })).map(([fs, f, at]) => {
      const body = multipartBody([...fs, named(f)]);
      // Anywhere before the closing delimiter: a form that still has it is complete.
      const cut = Math.max(1, Math.floor((body.length - CLOSING.length) * at));
      return {
        mode: 'truncated' as const,
        note: `form cut at byte ${cut} of ${body.length}`,
        body,
        sendBytes: cut,
        contentLength: cut,
      };
    }),
    aborted: fc.tuple(fields, file, fc.double({ min: 0.05, max: 0.95, noNaN: true })).map(([fs, f, at]) => {
      const body = multipartBody([...fs, named(f)]);
      const cut = Math.max(1, Math.floor(body.length * at));
      return {
        mode: 'aborted' as const,
        note: `socket destroyed after ${cut} of ${body.length} bytes`,
        body,
        sendBytes: cut,
        contentLength: body.length,
      };
    }),
    'hostile-field': fc.tuple(fields, file, fc.constantFrom(...HOSTILE), fc.nat()).map(([fs, f, h, pick]) => {
      const names = [...fs.map((p) => /name="([^"]*)"/.exec(p.disposition)?.[1] ?? 'text'), 'unexpected_field'];
      const name = present(names[pick % names.length], 'a field name');
      const parts = [
        ...fs.filter((p) => !p.disposition.startsWith(`name="${name}"`)),
        fieldPart(name, asText(h.value)),
        named(f),
      ];
      return { mode: 'hostile-field' as const, note: `${h.name} in field "${name}"`, ...whole(parts) };
    }),
    'odd-filename': fc.tuple(fields, file, fc.constantFrom(...ODD_FILENAMES)).map(([fs, f, disp]) => ({
      mode: 'odd-filename' as const,
      note: `file part with ${disp.length > 80 ? `${disp.slice(0, 40)}… (${disp.length} chars)` : JSON.stringify(disp)}`,
      ...whole([...fs, filePartOf(f.field, disp, Buffer.alloc(Math.min(f.size, 4096), f.byte))]),
    })),
  };
}

/** Upload cases for an OpenAPI multipart operation, by mode. */
export function operationUploads(doc: OpenApiDocument, op: Operation): Record<UploadMode, fc.Arbitrary<UploadCase>> {
  return uploadArbitraries(validFields(doc, op), op.multipart!.fileFields);
}
