/**
 * Office hours in a time zone, without a time-zone library: Intl gives the local weekday and time
 * of an instant in any IANA zone, daylight-saving changes included.
 *
 * OFFICE_HOURS is one or more windows separated by ";": "<days> <HH:MM>-<HH:MM>", days as a range
 * ("Mon-Fri"), a list ("Mon,Wed") or one day; "none" means never. An end before the start runs past
 * midnight into the next day.
 */
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface Window {
  /** Weekdays (0 = Sunday) on which the window starts. */
  days: number[];
  /** Minutes after local midnight. */
  start: number;
  end: number;
}
export type OfficeHours = Window[];

function day(token: string): number {
  const index = DAYS.indexOf(token.slice(0, 3).toLowerCase());
  if (index < 0 || token.length < 3) throw new Error(`"${token}" is not a weekday (Mon..Sun)`);
  return index;
}

function minutes(token: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(token);
  if (!m) throw new Error(`"${token}" is not a time HH:MM`);
  const value = Number(m[1]) * 60 + Number(m[2]);
  if (Number(m[2]) > 59 || value > 24 * 60) throw new Error(`"${token}" is not a time of day`);
  return value;
}

export function parseOfficeHours(spec: string): OfficeHours {
  const text = spec.trim();
  if (text === '' || text.toLowerCase() === 'none') return [];
  return text.split(';').map((part) => {
    const m = /^\s*(\S+)\s+(\S+)-(\S+)\s*$/.exec(part);
    if (!m) throw new Error(`"${part.trim()}" is not "<days> HH:MM-HH:MM"`);
    const days = new Set<number>();
    for (const item of m[1].split(',')) {
      const range = item.split('-');
      if (range.length === 1) days.add(day(range[0]));
      else if (range.length === 2) {
        const from = day(range[0]);
        const to = day(range[1]);
        for (let d = from; ; d = (d + 1) % 7) {
          days.add(d);
          if (d === to) break;
        }
      } else throw new Error(`"${item}" is not a weekday range`);
    }
    const start = minutes(m[2]);
    const end = minutes(m[3]);
    if (start === end) throw new Error(`"${part.trim()}" is an empty window`);
    return { days: [...days].sort(), start, end };
  });
}

export function validateTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local weekday (0 = Sunday) and minutes after local midnight of an instant in a zone. */
export function localTime(instantMs: number, zone: string): { weekday: number; minute: number } {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, format);
  }
  const parts = format.formatToParts(new Date(instantMs));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return { weekday: day(get('weekday')), minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

export function isOfficeHours(instantMs: number, hours: OfficeHours, zone: string): boolean {
  if (hours.length === 0) return false;
  const { weekday, minute } = localTime(instantMs, zone);
  const yesterday = (weekday + 6) % 7;
  return hours.some((w) => {
    if (w.start < w.end) return w.days.includes(weekday) && minute >= w.start && minute < w.end;
    // past midnight: the evening part on the listed day, the morning part on the day after
    return (w.days.includes(weekday) && minute >= w.start) || (w.days.includes(yesterday) && minute < w.end);
  });
}
