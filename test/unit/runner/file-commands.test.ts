/**
 * The reader of runner files the differential test trusts (test/support/file-commands.ts): it
 * must read what the runner reads and refuse what the runner refuses, or agreement between two
 * writers would prove nothing.
 */
import { ambiguities, fileCommandValues, parseFileCommands } from '../../support/file-commands';

const D = 'ghadelimiter_0f8fad5b-d9cb-469f-a165-70867728950e';

describe('reading runner files', () => {
  it('reads NAME=VALUE lines and heredoc entries, skips empty lines, keeps the last value', () => {
    const entries = parseFileCommands(`a=1\n\nb=x=y\nm<<${D}\none\r\n\nthree\n${D}\na=2\ne<<EOF\nEOF\n`);
    expect(entries).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: 'x=y' },
      { name: 'm', value: 'one\r\n\nthree', delimiter: D },
      { name: 'a', value: '2' },
      { name: 'e', value: '', delimiter: 'EOF' },
    ]);
    expect(fileCommandValues(entries)).toEqual({ a: '2', b: 'x=y', m: 'one\r\n\nthree', e: '' });
  });

  it('splits at whichever of = and << comes first, as the runner does', () => {
    expect(parseFileCommands('a=b<<c')).toEqual([{ name: 'a', value: 'b<<c' }]);
    expect(parseFileCommands('a<<b=c\nv\nb=c\n')).toEqual([{ name: 'a', value: 'v', delimiter: 'b=c' }]);
  });

  it('refuses what the runner refuses', () => {
    expect(() => parseFileCommands(`m<<${D}\nvalue\n`)).toThrow(/no line .* ends m/);
    expect(() => parseFileCommands('=value')).toThrow(/empty name/);
    expect(() => parseFileCommands('<<EOF\nx\nEOF')).toThrow(/empty name or delimiter/);
    expect(() => parseFileCommands('name<<\nx\n')).toThrow(/empty name or delimiter/);
    expect(() => parseFileCommands('just a line')).toThrow(/neither NAME=VALUE nor NAME<<DELIMITER/);
  });

  it('names every way an entry could be read otherwise', () => {
    expect(ambiguities(parseFileCommands(`a<<${D}\nv\n${D}\n`))).toEqual([]);
    expect(ambiguities(parseFileCommands('a=v'))).toEqual(['a: not a heredoc entry']);
    expect(ambiguities(parseFileCommands('a<<EOF\nv\nEOF'))).toEqual(['a: delimiter EOF is not random']);
    expect(ambiguities(parseFileCommands(`a<<${D}\nv\n${D}\nb<<${D}\nw\n${D}`))).toEqual([
      `b: delimiter ${D} used twice`,
    ]);
    expect(ambiguities([{ name: 'a', value: `x${D}`, delimiter: D }])).toEqual([
      'a: delimiter inside the entry',
    ]);
  });
});
