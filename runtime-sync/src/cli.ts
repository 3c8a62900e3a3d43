/** Entry point of the bundle (runtime-sync/dist/index.js): runs one command and exits with its code. */
import { main } from './main';

void main(process.argv.slice(2), process.env).then((code) => {
  // Exit now: a child stuck on a hung mount must not keep the runner waiting.
  process.exit(code);
});
