/**
 * The CSV reader's field parsers, on raw bytes where they can: numbers and times are parsed in
 * place without intermediate strings; a record with quotes goes through `splitQuoted`.
 */

function digit(b: Buffer, i: number): number {
  const c = b[i]! - 48;
  return c >= 0 && c <= 9 ? c : Number.NaN;
}

function twoDigits(b: Buffer, i: number): number {
  return digit(b, i) * 10 + digit(b, i + 1);
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Strict ISO 8601 date-time with a zone: `YYYY-MM-DD[T ]HH:MM:SS[.fff…](Z|±HH:MM|±HHMM)`.
 * Returns epoch ms, or NaN. A time without a zone is refused: it would be read in local time.
 */
export function parseIsoTimestamp(b: Buffer, s: number, e: number): number {
  if (e - s < 20) return Number.NaN;
  if (b[s + 4] !== 45 || b[s + 7] !== 45 || (b[s + 10] !== 84 && b[s + 10] !== 32) || b[s + 13] !== 58 || b[s + 16] !== 58) {
    return Number.NaN;
  }
  const year = twoDigits(b, s) * 100 + twoDigits(b, s + 2);
  const month = twoDigits(b, s + 5);
  const day = twoDigits(b, s + 8);
  const hour = twoDigits(b, s + 11);
  const minute = twoDigits(b, s + 14);
  const second = twoDigits(b, s + 17);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= DAYS_IN_MONTH[month - 1]! && hour < 24 && minute < 60 && second < 60)) {
    return Number.NaN;
  }
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return Number.NaN;
  let p = s + 19;
  let ms = 0;
  if (b[p] === 46) {
    p++;
    let scale = 100;
    const fracStart = p;
    while (p < e && b[p]! >= 48 && b[p]! <= 57) {
      ms += (b[p]! - 48) * scale;
      scale /= 10;
      p++;
    }
    if (p === fracStart) return Number.NaN;
    ms = Math.floor(ms);
  }
  let offsetMin = 0;
  if (b[p] === 90 && p + 1 === e) {
    // Z
  } else if ((b[p] === 43 || b[p] === 45) && (p + 6 === e || p + 5 === e)) {
    const oh = twoDigits(b, p + 1);
    const om = p + 6 === e ? (b[p + 3] === 58 ? twoDigits(b, p + 4) : Number.NaN) : twoDigits(b, p + 3);
    if (!(oh < 24 && om < 60)) return Number.NaN;
    offsetMin = (b[p] === 43 ? 1 : -1) * (oh * 60 + om);
  } else {
    return Number.NaN;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60_000;
}

/** A plain decimal (`12`, `12.5`, `0.07`); anything else (signs, exponents, junk) is NaN. */
export function parseDecimal(b: Buffer, s: number, e: number): number {
  if (s >= e) return Number.NaN;
  let mantissa = 0;
  let decimals = -1;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c === 46) {
      if (decimals >= 0) return Number.NaN;
      decimals = 0;
    } else if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      if (decimals >= 0) decimals++;
    } else {
      return Number.NaN;
    }
  }
  if (decimals === 0 || mantissa > Number.MAX_SAFE_INTEGER || decimals > 15) return Number.NaN;
  // Exact integer divided by an exact power of ten: the correctly rounded value, same as Number().
  return decimals > 0 ? mantissa / 10 ** decimals : mantissa;
}

/** Splits one CSV record with quotes into its unquoted fields (RFC 4180). */
export function splitQuoted(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return undefined;
        field += line.slice(i, q);
        if (line[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < line.length && line[i] !== ",") return undefined;
    } else {
      const c = line.indexOf(",", i);
      field = line.slice(i, c < 0 ? line.length : c);
      if (field.includes('"')) return undefined;
      i = c < 0 ? line.length : c;
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // the comma
  }
}
