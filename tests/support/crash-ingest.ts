/**
 * Child process for the crash-safe ingest test: ingests one file into a corpus and kills itself
 * (SIGKILL, no clean-up) at the N-th file rename or write, as a power cut would.
 * Usage: node --import tsx tests/support/crash-ingest.ts <corpusDir> <file> <crashAt>
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const [corpusDir, file, crashAt] = process.argv.slice(2);
let calls = 0;
const tick = () => {
  if (++calls === Number(crashAt)) process.kill(process.pid, 'SIGKILL');
};
const { renameSync, writeSync } = fs;
fs.renameSync = (...args: Parameters<typeof renameSync>) => (tick(), renameSync(...args));
fs.writeSync = ((...args: Parameters<typeof writeSync>) => (tick(), (writeSync as (...a: unknown[]) => number)(...args))) as typeof writeSync;
syncBuiltinESMExports();

const { ingestFiles } = await import('../../src/ingestion/ingest.js');
await ingestFiles([file!], { corpusDir: corpusDir! });
console.log(`done after ${calls} writes and renames`);
