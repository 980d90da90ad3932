/**
 * JSON.parse for request bodies and stream messages, refusing what JSON.parse accepts but this
 * platform must not (see parseJson). The API (request bodies) and the stream worker (messages) both
 * parse with this, so both refuse the same inputs.
 */
import { MAX_DEPTH } from "./schemas";
import { pathText, ValidationError } from "./problems";

/**
 * JSON.parse, then refusing what it accepts but this API must not: an object with a key twice
 * (JSON.parse keeps the last value, a proxy, a log reader or the client's own tests may read the
 * first: what was scored would not be what was seen) and nesting deeper than MAX_DEPTH. Syntax
 * errors are JSON.parse's SyntaxError. The API (request bodies) and the stream worker (messages)
 * both parse with this, so both refuse the same inputs.
 */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  // A count first (0.4 us for a transaction, half of JSON.parse): keys in the text against keys
  // parsed, equal unless one is repeated. The scan that names the problem runs only when there is one.
  const keys = keyTokens(text);
  if (keys < 0 || keys !== keyCount(value)) checkStructure(text);
  return value;
}

const QUOTE = 0x22,
  BACKSLASH = 0x5c,
  COLON = 0x3a,
  COMMA = 0x2c;
const OPEN_OBJECT = 0x7b,
  CLOSE_OBJECT = 0x7d,
  OPEN_ARRAY = 0x5b,
  CLOSE_ARRAY = 0x5d;

/** The keys in `text` (valid JSON): strings followed by ':'. -1 when it nests deeper than MAX_DEPTH. */
function keyTokens(text: string): number {
  let keys = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i);
      let j = i + 1;
      while (text.charCodeAt(j) <= 0x20) j++;
      if (text.charCodeAt(j) === COLON) keys++;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > MAX_DEPTH) return -1;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
  }
  return keys;
}

/** The keys of every object in `v`, parsed from JSON no deeper than MAX_DEPTH (the recursion is bounded). */
function keyCount(v: unknown): number {
  if (typeof v !== "object" || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) for (const item of v) n += keyCount(item);
  else for (const k in v) n += 1 + keyCount((v as Record<string, unknown>)[k]);
  return n;
}

/**
 * Throws the ValidationError naming the repeated key or the value nested too deep in `text`
 * (valid JSON), tracking the path (keys and array indexes) to name it.
 */
function checkStructure(text: string): void {
  // per open container: its keys so far (object) or undefined (array)
  const keys: (Set<string> | undefined)[] = [];
  const path: (string | number)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      i = closingQuote(text, i);
      const seen = keys[keys.length - 1];
      if (seen === undefined) continue;
      // in an object, a string followed by ':' is a key (a value string never is)
      let j = i + 1;
      while (text.charCodeAt(j) <= 0x20) j++;
      if (text.charCodeAt(j) !== COLON) continue;
      let key = text.slice(start + 1, i);
      // "\u0061mount" is the key "amount"
      if (key.includes("\\")) key = JSON.parse(text.slice(start, i + 1)) as string;
      path[path.length - 1] = key;
      if (seen.has(key)) throw new ValidationError([{ path: pathText(path), message: "appears more than once in its object" }]);
      seen.add(key);
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (keys.length === MAX_DEPTH)
        throw new ValidationError([{ path: pathText(path), message: `nests deeper than ${MAX_DEPTH} levels` }]);
      keys.push(c === OPEN_OBJECT ? new Set() : undefined);
      path.push(c === OPEN_OBJECT ? "" : 0);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      keys.pop();
      path.pop();
    } else if (c === COMMA && keys.length > 0 && keys[keys.length - 1] === undefined) {
      (path[path.length - 1] as number)++;
    }
  }
}

/** The index of the quote closing the string opened at `open`: the first not escaped by an odd run of backslashes. */
function closingQuote(text: string, open: number): number {
  for (let i = text.indexOf('"', open + 1); ; i = text.indexOf('"', i + 1)) {
    let k = i;
    while (text.charCodeAt(k - 1) === BACKSLASH) k--;
    if ((i - k) % 2 === 0) return i;
  }
}
