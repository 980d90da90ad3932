/** Times in the analyst's own time zone (the browser's), numbers in their locale. */
const locale = navigator.language || "en";

export const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium" });
const hourFmt = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
const scoreFmt = new Intl.NumberFormat(locale, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });

export const fmtTime = (iso: string): string => dateTime.format(new Date(iso));
export const fmtHour = (iso: string): string => hourFmt.format(new Date(iso));
export const fmtInt = (n: number): string => integer.format(n);
export const fmtPercent = (n: number | null): string => (n === null ? "–" : percent.format(n));
export const fmtScore = (n: number): string => scoreFmt.format(n);
export const fmtNumber = (n: number | null): string => (n === null ? "–" : decimal.format(n));

export function fmtAmount(amount: number, currency: string | null): string {
  if (!currency) return decimal.format(amount);
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(amount);
  } catch {
    return `${decimal.format(amount)} ${currency}`;
  }
}

/** An ISO time as the value of an <input type="datetime-local"> (the analyst's zone), and back. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const off = d.getTimezoneOffset() * 60_000;
  return new Date(d.getTime() - off).toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): string {
  return value ? new Date(value).toISOString() : "";
}
