import { randomBytes } from 'node:crypto';
import os from 'node:os';

/** Who holds a lock, lease or staging folder: written into them for people reading the EFS root. */
export interface Owner {
  id: string;
  host: string;
  pid: number;
}

export function newOwner(): Owner {
  return { id: randomBytes(8).toString('hex'), host: os.hostname(), pid: process.pid };
}
