/**
 * A reader of the runner's file commands (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV), written from
 * the format GitHub documents and the runner applies, independently of any writer in this
 * project, so tests can compare writers by meaning (the heredoc delimiter is random):
 *
 * - the file is read line by line (LF on Linux and macOS runners); empty lines are skipped;
 * - a line whose first `=` comes before any `<<` is `NAME=VALUE`;
 * - a line whose first `<<` comes before any `=` opens `NAME<<DELIMITER`: the value is every
 *   following line up to the first line that is exactly DELIMITER (lines joined with LF), and a
 *   file that ends before that line is refused;
 * - an empty name or delimiter, or a line that is neither, is refused;
 * - a name set twice keeps the last value.
 */

export interface FileEntry {
  name: string;
  value: string;
  /** Undefined for a NAME=VALUE line. */
  delimiter?: string;
}

export function parseFileCommands(content: string): FileEntry[] {
  const lines = content.split('\n');
  const entries: FileEntry[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (line === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      const name = line.slice(0, equals);
      if (!name) throw new Error(`line ${i + 1}: empty name in ${JSON.stringify(line)}`);
      entries.push({ name, value: line.slice(equals + 1) });
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (!name || !delimiter)
        throw new Error(`line ${i + 1}: empty name or delimiter in ${JSON.stringify(line)}`);
      const value: string[] = [];
      let end = i + 1;
      while (end < lines.length && lines[end] !== delimiter) value.push(lines[end++]);
      if (end >= lines.length)
        throw new Error(`line ${i + 1}: no line ${JSON.stringify(delimiter)} ends ${name}`);
      entries.push({ name, value: value.join('\n'), delimiter });
      i = end;
    } else {
      throw new Error(`line ${i + 1}: neither NAME=VALUE nor NAME<<DELIMITER: ${JSON.stringify(line)}`);
    }
  }
  return entries;
}

/** What the runner ends up with: the last value of each name. */
export function fileCommandValues(entries: FileEntry[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const entry of entries) values[entry.name] = entry.value;
  return values;
}

/**
 * Problems that would let another reading of the file exist: a plain NAME=VALUE entry (a value
 * with a line end or a name with `=` would be misread), a delimiter that is not random
 * (`ghadelimiter_<uuid>`), used twice, or found inside the name or the value.
 */
export function ambiguities(entries: FileEntry[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { name, value, delimiter } of entries) {
    if (delimiter === undefined) {
      problems.push(`${name}: not a heredoc entry`);
      continue;
    }
    if (!/^ghadelimiter_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(delimiter))
      problems.push(`${name}: delimiter ${delimiter} is not random`);
    if (seen.has(delimiter)) problems.push(`${name}: delimiter ${delimiter} used twice`);
    seen.add(delimiter);
    if (name.includes(delimiter) || value.includes(delimiter))
      problems.push(`${name}: delimiter inside the entry`);
  }
  return problems;
}
