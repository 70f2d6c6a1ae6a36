#!/usr/bin/env node
// Where a process's peak RSS goes: `node scripts/bench/rss-breakdown.mjs [--every MS] -- COMMAND ARGS...` runs
// COMMAND, reads its /proc/PID/smaps from outside every MS milliseconds (50 by default) and, when it exits, prints
// one JSON line: its exit code, the highest RSS sampled (KiB) and, at that sample, the resident KiB of the Node
// binary's own pages (`binary`: the file COMMAND runs from), of other mapped files (`libraries`), of malloc's main
// arena (`heap`), of anonymous mappings (`anonymous`: V8's heap, thread arenas and stacks) and the rest. Sampling from
// outside matters: code run inside the process to read its own maps touches more of the binary than the run does
// (measured: ~7 MiB). The README's "Why the 64 MiB line is missed where it is" comes from this.
// Linux only (procfs). VmHWM, the bench's own figure, can exceed `peakKiB` by what fell between two samples.
import { spawn } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export function parseArgs(argv) {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? [] : argv.slice(0, dash);
  const command = dash < 0 ? argv : argv.slice(dash + 1);
  if (command.length === 0) throw new Error('usage: rss-breakdown.mjs [--every MS] -- COMMAND [ARGS...]');
  let everyMs = 50;
  for (let i = 0; i < own.length; i += 1) {
    if (own[i] === '--every' && Number(own[i + 1]) > 0) everyMs = Number(own[(i += 1)]);
    else throw new Error(`rss-breakdown.mjs: unknown or incomplete option ${own[i]} (only --every MS, MS > 0)`);
  }
  return { everyMs, command };
}

/** Resident KiB by kind of mapping, from the text of /proc/PID/smaps; `binary` is the executable's path. */
export function residentByKind(smaps, binary) {
  const kinds = { binary: 0, libraries: 0, heap: 0, anonymous: 0, other: 0 };
  let kind = 'other';
  for (const line of smaps.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const path = header[1];
      kind = path === binary ? 'binary' : path === '' ? 'anonymous' : path === '[heap]' ? 'heap' : path.startsWith('[') ? 'other' : 'libraries';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kinds[kind] += Number(rss[1]);
  }
  return kinds;
}

/** Runs the command to its end; resolves to { code, peakKiB, ...residentByKind at that peak }. */
export function measure({ everyMs, command }) {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command;
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    let best = { peakKiB: 0 };
    const sample = () => {
      try {
        // Read each time: the first samples can fall between the fork and the exec.
        const binary = realpathSync(`/proc/${child.pid}/exe`);
        const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
        if (rss > best.peakKiB) best = { peakKiB: rss, ...residentByKind(readFileSync(`/proc/${child.pid}/smaps`, 'utf8'), binary) };
      } catch {
        /* not started yet, or gone between the two reads */
      }
    };
    const timer = setInterval(sample, everyMs);
    child.on('error', (err) => {
      clearInterval(timer);
      reject(new Error(`rss-breakdown.mjs: cannot run ${file}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, ...best });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  try {
    console.log(JSON.stringify(await measure(parseArgs(process.argv.slice(2)))));
  } catch (err) {
    console.error(err.message);
    process.exit(2);
  }
}
