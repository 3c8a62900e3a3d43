import { UsageError } from './errors';

/** Names as @actions/tool-cache uses them for its `<arch>` folders (os.arch()). */
const SUPPORTED: Record<string, string> = { x64: 'x64', arm64: 'arm64' };

/** The architecture this machine's binaries are built for, as written into the EFS root. */
export function detectArch(nodeArch: string = process.arch): string {
  const arch = SUPPORTED[nodeArch];
  if (!arch) {
    throw new UsageError(
      `runtime-sync supports x64 and arm64 runners; this machine is '${nodeArch}' (process.arch). ` +
        'Do not mount a runtime cache volume on it.',
    );
  }
  return arch;
}
