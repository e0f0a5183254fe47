import { CommonError, CommonErrorCode } from '../errors/common-errors';

/** Deepest nesting of objects and arrays accepted in a JSON body (the body itself is level 1). */
export const MAX_JSON_DEPTH = 32;

/** At most this many problems are listed in one answer; the first ones are enough to fix the request. */
const MAX_PROBLEMS = 10;

/**
 * Keys that reach an object's prototype machinery. No request field is called
 * this, and class-transformer treats a `constructor` value as a class to
 * instantiate, so they are refused wherever they appear.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A lone high surrogate, or a low surrogate without its high half: not valid Unicode, Postgres refuses it. */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface InputProblem {
  field: string;
  problems: string[];
}

/** Why a string cannot be stored as text (Postgres refuses NUL and invalid UTF-8), or undefined when it can. */
export function stringProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain the NUL character (\\u0000)';
  if (UNPAIRED_SURROGATE.test(value)) return 'must be valid Unicode text (it contains an unpaired surrogate)';
  return undefined;
}

const childPath = (parent: string, key: string | number): string =>
  typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;

/**
 * Checks a parsed request value before anything else reads it: nesting depth,
 * prototype keys, and text Postgres can store, in keys and values alike.
 *
 * Written by hand because no maintained library does this on an already parsed
 * value: body-parser has no depth limit, and secure-json-parse guards only
 * `__proto__`/`constructor.prototype` at parse time, with no depth or text
 * checks and no field path to report. The walk is iterative, so a hostile
 * depth cannot overflow the stack here (class-transformer and class-validator
 * recurse, which is why this runs first).
 */
export function inspectInput(value: unknown, root = '', maxDepth = MAX_JSON_DEPTH): InputProblem[] {
  const problems: InputProblem[] = [];
  const add = (field: string, problem: string): void => {
    problems.push({ field: field || root || 'body', problems: [problem] });
  };
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const node = stack.pop()!;
    if (typeof node.value === 'string') {
      const problem = stringProblem(node.value);
      if (problem) add(node.path, problem);
      continue;
    }
    if (node.value === null || typeof node.value !== 'object') continue;
    const depth = node.depth + 1;
    if (depth > maxDepth) {
      add(node.path, `is nested deeper than ${maxDepth} levels of objects and arrays`);
      continue;
    }
    if (Array.isArray(node.value)) {
      node.value.forEach((item: unknown, i) => stack.push({ value: item, path: childPath(node.path, i), depth }));
      continue;
    }
    for (const key of Object.keys(node.value)) {
      const path = childPath(node.path, key);
      if (PROTOTYPE_KEYS.has(key)) {
        add(path, `"${key}" is not an accepted field name`);
        continue;
      }
      const keyProblem = stringProblem(key);
      if (keyProblem) {
        add(node.path, `has a field name that ${keyProblem}`);
        continue;
      }
      stack.push({ value: (node.value as Record<string, unknown>)[key], path, depth });
    }
  }
  return problems.slice(0, MAX_PROBLEMS);
}

/** The VALIDATION_FAILED answer for problems found by inspectInput or class-validator. */
export function validationFailed(fields: InputProblem[]): InstanceType<typeof CommonError> {
  const summary = fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; ');
  return new CommonError(CommonErrorCode.ValidationFailed, `Request validation failed: ${summary}`, { fields });
}

/** Throws VALIDATION_FAILED naming each field when inspectInput finds a problem. */
export function assertInputShape(value: unknown, root = ''): void {
  const problems = inspectInput(value, root);
  if (problems.length > 0) throw validationFailed(problems);
}
