/**
 * ts-node --transpile-only bench/cpu-profile.ts <file.cpuprofile> [--top 25] [--json]
 *
 * Summarises a V8 CPU profile (`node --cpu-prof`): shares of the busy samples (idle left out) by function, self and
 * inclusive (a function counted once per sample however deep it recurses), and inclusive by package (the
 * node_modules package a frame comes from; `app` for dist/src and libs, `node` for Node's internals). Used by
 * bench/profile.ts (which counts only the samples taken under load), or on its own (every sample).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface ProfileSummary {
  busySamples: number;
  idleShare: number;
  self: Array<[string, number]>;
  inclusive: Array<[string, number]>;
  packages: Array<[string, number]>;
}

export function packageOf(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const [first, second] = url.slice(modules + 'node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  if (url.startsWith('node:') || url === '') return 'node';
  if (url.includes('/dist/src/') || url.includes('/src/') || url.includes('/libs/')) return 'app';
  return 'other';
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (!url) return functionName || '(anonymous)';
  const pkg = packageOf(url);
  const file = url.split('/').slice(-2).join('/');
  return `${functionName || '(anonymous)'} [${pkg === 'app' || pkg === 'node' ? '' : `${pkg} `}${file}:${lineNumber + 1}]`;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Hits per node, from the samples taken within `window` (microseconds before the profile's end: [from, to]) when
 * given, so that start-up and shutdown are left out; otherwise every sample.
 */
function hitsOf(profile: CpuProfile, window?: { fromEndUs: number; toEndUs: number }): Map<number, number> {
  const hits = new Map<number, number>();
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i];
    const beforeEnd = profile.endTime - time;
    if (window && (beforeEnd > window.fromEndUs || beforeEnd < window.toEndUs)) continue;
    hits.set(profile.samples[i], (hits.get(profile.samples[i]) ?? 0) + 1);
  }
  return hits;
}

export function summarise(
  profile: CpuProfile,
  top = 25,
  window?: { fromEndUs: number; toEndUs: number },
): ProfileSummary {
  const sampled = hitsOf(profile, window);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const hits = sampled.get(node.id) ?? 0;
    if (hits === 0) continue;
    if (node.callFrame.functionName === '(idle)') {
      idle += hits;
      continue;
    }
    busy += hits;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + hits);
    const names = new Set<string>();
    const pkgs = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id) as ProfileNode;
      if (frame.callFrame.functionName === '(root)') break;
      names.add(frameName(frame));
      if (frame.callFrame.url) pkgs.add(packageOf(frame.callFrame.url));
    }
    if (pkgs.size === 0) pkgs.add(name); // (program), (garbage collector)
    for (const n of names) inclusive.set(n, (inclusive.get(n) ?? 0) + hits);
    for (const p of pkgs) packages.set(p, (packages.get(p) ?? 0) + hits);
  }
  const ranked = (map: Map<string, number>): Array<[string, number]> =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => [name, hits / busy]);
  return {
    busySamples: busy,
    idleShare: idle / (busy + idle),
    self: ranked(self),
    inclusive: ranked(inclusive),
    packages: ranked(packages),
  };
}

export function printSummary(summary: ProfileSummary): void {
  const pct = (share: number) => `${(100 * share).toFixed(1).padStart(5)} %`;
  console.log(`${summary.busySamples} busy samples; idle ${pct(summary.idleShare)} of all`);
  console.log('\nInclusive by package (share of busy samples with a frame of it on the stack)');
  for (const [name, share] of summary.packages) console.log(`  ${pct(share)}  ${name}`);
  console.log('\nSelf by function');
  for (const [name, share] of summary.self) console.log(`  ${pct(share)}  ${name}`);
  console.log('\nInclusive by function');
  for (const [name, share] of summary.inclusive) console.log(`  ${pct(share)}  ${name}`);
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) throw new Error('bench/cpu-profile.ts <file.cpuprofile> [--top N]');
  const index = process.argv.indexOf('--top');
  const summary = summarise(
    JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
    index === -1 ? 25 : Number(process.argv[index + 1]),
  );
  if (process.argv.includes('--json')) console.log(JSON.stringify(summary, null, 2));
  else printSummary(summary);
}
