/**
 * JSON-lines logger. Every line is one object with time, level and message, so CloudWatch Logs
 * Insights can filter by field. Secrets never reach a log line: fields whose name suggests a secret
 * are replaced, and values that look like a JIT configuration, a token, a JWT or a PEM key are
 * replaced wherever they appear (also inside error messages).
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

const SECRET_KEY = /(token|secret|password|private|pem|jit_?config|encoded|authorization|signature)/i;
const SECRET_VALUES: RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\b(ghs|ghp|gho|ghu|ghr|github_pat)_[A-Za-z0-9_]{10,}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, // JWT
  /\b(bearer|token)\s+[A-Za-z0-9._-]{16,}/gi,
  /sha256=[0-9a-f]{64}/gi,
];
/** A string this long without spaces is treated as an opaque secret (a JIT configuration is ~2 KB of base64). */
const OPAQUE_MIN = 200;

export function redactString(value: string): string {
  let out = value;
  for (const pattern of SECRET_VALUES) out = out.replace(pattern, '[redacted]');
  return out.replace(/[A-Za-z0-9+/=_-]{200,}/g, (m) => (m.length >= OPAQUE_MIN ? '[redacted]' : m));
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[deep]';
  if (typeof value === 'string') return redactString(value);
  if (value instanceof Error) {
    const status = (value as Error & { status?: unknown }).status;
    return {
      name: value.name,
      message: redactString(value.message),
      ...(status !== undefined ? { status } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value))
      out[key] = SECRET_KEY.test(key) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

export function createLogger(
  write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  base: Fields = {},
  now: () => number = Date.now,
): Logger {
  const emit = (level: Level, message: string, fields?: Fields): void => {
    const record = {
      time: new Date(now()).toISOString(),
      level,
      message: redactString(message),
      ...base,
      ...fields,
    };
    write(JSON.stringify(redact(record)));
  };
  return {
    debug: (m, f) => (process.env.SCALER_DEBUG === '1' ? emit('debug', m, f) : undefined),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
