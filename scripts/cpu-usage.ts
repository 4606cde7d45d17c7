/**
 * CPU used by groups of processes over a benchmark window, read from /proc (Linux): the app
 * instances (each a process group), the PostgreSQL server (every process named postgres), this
 * benchmark process (load generator, proxy and fake Bot API), and everything else on the machine.
 * Shows whether a latency figure measures the code or a machine with no CPU left. Elsewhere
 * (no /proc) the snapshot is empty and the report says so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

interface ProcTimes {
  /** utime + stime in clock ticks, by pid. */
  pids: Map<number, { ticks: number; pgid: number; comm: string }>;
  /** Busy ticks of the whole machine (all cores). */
  busy: number;
  at: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function readProc(): ProcTimes | undefined {
  try {
    const pids = new Map<number, { ticks: number; pgid: number; comm: string }>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const close = stat.lastIndexOf(')');
        const comm = stat.slice(stat.indexOf('(') + 1, close);
        const f = stat.slice(close + 2).split(' '); // f[0] is field 3 (state)
        pids.set(Number(name), { ticks: Number(f[11]) + Number(f[12]), pgid: Number(f[2]), comm });
      } catch {
        // the process ended meanwhile
      }
    }
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
    const busy = cpu.slice(0, 8).reduce((a, b) => a + b, 0) - idle;
    return { pids, busy, at: performance.now() };
  } catch {
    return undefined;
  }
}

/** Starts measuring; `stop` returns one line per group in % of one core, or undefined without /proc. */
export function cpuWindow(groups: Array<{ label: string; pgid: number }>): { stop: () => string[] | undefined } {
  const start = readProc();
  return {
    stop() {
      const end = readProc();
      if (!start || !end) return undefined;
      const seconds = (end.at - start.at) / 1000;
      const pct = (ticks: number) => `${((ticks / TICKS_PER_SECOND / seconds) * 100).toFixed(0)} %`;
      const used = (match: (p: { pgid: number; comm: string }, pid: number) => boolean) => {
        let ticks = 0;
        for (const [pid, p] of end.pids) if (match(p, pid)) ticks += p.ticks - (start.pids.get(pid)?.ticks ?? 0);
        return ticks;
      };
      const lines: string[] = [];
      let counted = 0;
      for (const g of groups) {
        const t = used((p) => p.pgid === g.pgid);
        counted += t;
        lines.push(`${g.label} ${pct(t)}`);
      }
      const pgTicks = used((p) => p.comm === 'postgres');
      const self = used((p, pid) => pid === process.pid);
      counted += pgTicks + self;
      lines.push(`PostgreSQL ${pct(pgTicks)}`, `this benchmark (load, proxy, fake Bot API) ${pct(self)}`);
      const machine = end.busy - start.busy;
      lines.push(`other processes on the machine ${pct(Math.max(0, machine - counted))}`);
      lines.push(`machine busy ${pct(machine)} of ${cpus().length * 100} %`);
      return lines;
    },
  };
}
