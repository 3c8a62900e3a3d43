/**
 * The one bundle behind all four steps (dist/lib/index.js). Each step's dist/<entry>/index.js is a
 * few generated lines (scripts/build.sh) that turn on V8's compile cache and call `run` with the
 * entry's name: one bundle instead of four copies means the job's later steps (the post-step save
 * after the restore) load already-compiled code.
 */
export { run } from '../orchestration/run';
