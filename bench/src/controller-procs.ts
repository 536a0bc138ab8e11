// Memory and CPU of local processes from /proc (Linux): the operator found by its command line, the
// worker processes the node agent runs found by the POD_NAMESPACE in their environment.
import { readFile, readdir } from 'node:fs/promises';

export interface ProcMemory {
  pid: number;
  /** Resident set now, bytes. */
  rss: number;
  /** Peak resident set (VmHWM), bytes. */
  peakRss: number;
}

async function pids(): Promise<number[]> {
  return (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
}

async function readOrEmpty(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return ''; // the process exited, or is not ours to read
  }
}

/** Processes whose NUL-separated command line contains `needle` as one argument. */
export async function pidsWithArg(needle: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await pids()) {
    if ((await readOrEmpty(`/proc/${pid}/cmdline`)).split('\0').includes(needle)) found.push(pid);
  }
  return found;
}

/** Processes with `NAME=value` in their environment. */
export async function pidsWithEnv(name: string, value: string): Promise<number[]> {
  const entry = `${name}=${value}`;
  const found: number[] = [];
  for (const pid of await pids()) {
    if ((await readOrEmpty(`/proc/${pid}/environ`)).split('\0').includes(entry)) found.push(pid);
  }
  return found;
}

export async function memoryOf(pid: number): Promise<ProcMemory | undefined> {
  const status = await readOrEmpty(`/proc/${pid}/status`);
  const kb = (field: string): number | undefined => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  };
  const rss = kb('VmRSS');
  const peakRss = kb('VmHWM');
  return rss === undefined || peakRss === undefined ? undefined : { pid, rss, peakRss };
}

/** User + system CPU seconds the process has used so far. */
export async function cpuSecondsOf(pid: number): Promise<number | undefined> {
  const stat = await readOrEmpty(`/proc/${pid}/stat`);
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(afterName[11]);
  const stime = Number(afterName[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / 100; // USER_HZ is 100 on Linux
}

export const MiB = 1024 * 1024;
export const mib = (bytes: number): string => `${(bytes / MiB).toFixed(0)} MiB`;
