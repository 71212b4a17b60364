import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * HTTP load with wrk (Debian's package, C, one thread): unlike autocannon it takes little of the two cores the API
 * and PostgreSQL share with it, so it understates neither side. Installed with apt-get when missing.
 */
export interface WrkRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Latency quantiles from wrk's --latency distribution, in ms. */
  p50: number;
  p99: number;
  /** Answers by status code (only when the run counted them: `countStatuses`). */
  statuses: Map<number, number>;
  /** Connect, read, write and timeout errors. */
  socketErrors: number;
  non2xx: number;
  /** The server process's CPU time per request (ms), when its pid was given. */
  cpuMsPerRequest?: number;
}

/** A process's CPU time so far (user + system), in ms, from /proc (Linux; clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export interface WrkOptions {
  /** Requests sent in turn (cycling); one GET of the base URL when omitted. */
  requests?: WrkRequest[];
  connections?: number;
  seconds?: number;
  threads?: number;
  /** Count answers by status in the Lua script (wrk then reads each response body: a little more work for it). */
  countStatuses?: boolean;
  timeoutSeconds?: number;
}

let installed = false;

/** wrk on the PATH, installed from Debian's package when missing. */
export function ensureWrk(): void {
  if (installed) return;
  if (spawnSync('wrk', ['--version']).error) {
    console.log("wrk is missing: installing Debian's package (apt-get install -y wrk)...");
    // As root (the dev container) apt-get directly, otherwise through sudo without a password prompt.
    const prefix = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
    const aptGet = (...args: string[]) => {
      const command = [...prefix, 'apt-get', ...args];
      return spawnSync(command[0], command.slice(1), {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      }).status;
    };
    if (aptGet('install', '-y', 'wrk') !== 0) {
      aptGet('update');
      if (aptGet('install', '-y', 'wrk') !== 0) throw new Error('Could not install wrk');
    }
  }
  installed = true;
}

/**
 * The requests as raw HTTP/1.1 text, each preceded by its length in bytes and a newline: the Lua script reads the
 * file once per thread (a Lua table constructor of thousands of literals would hit LuaJIT's constant limit).
 */
function rawRequests(baseUrl: string, requests: WrkRequest[]): Buffer {
  const host = new URL(baseUrl).host;
  const parts: Buffer[] = [];
  for (const r of requests) {
    const body = r.body === undefined ? undefined : Buffer.from(r.body);
    const headers = { Host: host, ...r.headers, ...(body ? { 'Content-Length': String(body.length) } : {}) };
    const head = Buffer.from(
      `${r.method ?? 'GET'} ${r.path} HTTP/1.1\r\n` +
        Object.entries(headers)
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('') +
        '\r\n',
    );
    const request = body ? Buffer.concat([head, body]) : head;
    parts.push(Buffer.from(`${request.length}\n`), request);
  }
  return Buffer.concat(parts);
}

function luaScript(requestsFile: string | undefined, countStatuses: boolean): string {
  const lines: string[] = [];
  if (requestsFile) {
    lines.push(`
local formatted = {}
local count = 0
local counter = 0
function init(args)
  local file = assert(io.open(${JSON.stringify(requestsFile)}, "rb"))
  local data = file:read("*a")
  file:close()
  local at = 1
  while at <= #data do
    local newline = string.find(data, "\\n", at, true)
    local length = tonumber(string.sub(data, at, newline - 1))
    count = count + 1
    formatted[count] = string.sub(data, newline + 1, newline + length)
    at = newline + length + 1
  end
end
function request()
  counter = counter + 1
  return formatted[((counter - 1) % count) + 1]
end`);
  }
  if (countStatuses) {
    lines.push(`
local threads = {}
function setup(thread) table.insert(threads, thread) end
statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local parts = {}
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses")
    for status, n in pairs(counted) do table.insert(parts, status .. "=" .. n) end
  end
  io.write("STATUSES " .. table.concat(parts, ",") .. "\\n")
end`);
  }
  return lines.join('\n');
}

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function duration(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) throw new Error(`wrk: cannot read the duration ${text}`);
  return Number(match[1]) * UNITS[match[2]];
}

export function parseWrk(output: string): WrkResult {
  const number = (pattern: RegExp) => {
    const match = pattern.exec(output);
    if (!match) throw new Error(`wrk: no ${pattern} in its output:\n${output}`);
    return match;
  };
  const total = number(/(\d+) requests in ([\d.]+)(us|ms|s|m)/);
  const statuses = new Map<number, number>();
  const counted = /STATUSES (.*)/.exec(output);
  for (const part of counted?.[1].split(',').filter(Boolean) ?? []) {
    const [status, n] = part.split('=').map(Number);
    statuses.set(status, (statuses.get(status) ?? 0) + n);
  }
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requests: Number(total[1]),
    seconds: duration(`${total[2]}${total[3]}`) / 1000,
    rps: Number(number(/Requests\/sec:\s+([\d.]+)/)[1]),
    p50: duration(number(/\s50%\s+([\d.]+\w+)/)[1]),
    p99: duration(number(/\s99%\s+([\d.]+\w+)/)[1]),
    statuses,
    socketErrors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
  };
}

/** `wrk -t1 -c50 -d10s --latency` (by default) against `baseUrl`, cycling through `requests`. */
export async function wrk(baseUrl: string, options: WrkOptions = {}): Promise<WrkResult> {
  ensureWrk();
  const directory = mkdtempSync(join(tmpdir(), 'hairone-wrk-'));
  try {
    const args = [
      `-t${options.threads ?? 1}`,
      `-c${options.connections ?? 50}`,
      `-d${options.seconds ?? 10}s`,
      `--timeout`,
      `${options.timeoutSeconds ?? 10}s`,
      '--latency',
    ];
    let requestsFile: string | undefined;
    if (options.requests && options.requests.length > 0) {
      requestsFile = join(directory, 'requests.bin');
      writeFileSync(requestsFile, rawRequests(baseUrl, options.requests));
    }
    const script = luaScript(requestsFile, options.countStatuses ?? false);
    if (script) {
      const file = join(directory, 'script.lua');
      writeFileSync(file, script);
      args.push('-s', file);
    }
    args.push(baseUrl);
    const output = await new Promise<string>((resolve, reject) =>
      execFile('wrk', args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
        error || /error/i.test(stderr)
          ? reject(new Error(`wrk failed: ${error?.message ?? ''}\n${stderr}`))
          : resolve(stdout),
      ),
    );
    return parseWrk(output);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

export interface Side {
  name: string;
  url: string;
  /** The server's process: its CPU time (user + system, from /proc) per request is reported. */
  pid?: number;
  requests?: WrkRequest[] | ((round: number) => WrkRequest[]);
}

export interface Summary {
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerRequest?: number;
}

export interface Compared {
  rounds: Array<{ api: WrkResult; bare: WrkResult }>;
  /** Totals over the rounds: requests / seconds, the median of the rounds' p50 and p99, CPU ms per request. */
  api: Summary;
  bare: Summary;
  ratio: number;
}

const middle = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * The API and its bare baseline side by side in one run: `rounds` rounds, alternating (API first in odd rounds,
 * bare first in even ones), so that a busier moment of the machine hits both alike.
 */
export async function compare(
  api: Side,
  bare: Side,
  options: Omit<WrkOptions, 'requests'> & { rounds?: number } = {},
): Promise<Compared> {
  const rounds: Compared['rounds'] = [];
  const requestsOf = (side: Side, round: number) =>
    typeof side.requests === 'function' ? side.requests(round) : side.requests;
  for (let round = 0; round < (options.rounds ?? 3); round++) {
    const order = round % 2 === 0 ? [api, bare] : [bare, api];
    const results = new Map<Side, WrkResult>();
    for (const side of order) {
      const before = side.pid ? cpuMs(side.pid) : 0;
      const result = await wrk(side.url, { ...options, requests: requestsOf(side, round) });
      if (side.pid) result.cpuMsPerRequest = (cpuMs(side.pid) - before) / result.requests;
      results.set(side, result);
    }
    rounds.push({ api: results.get(api)!, bare: results.get(bare)! });
  }
  const summary = (pick: (round: Compared['rounds'][number]) => WrkResult) => ({
    rps:
      rounds.reduce((sum, round) => sum + pick(round).requests, 0) /
      rounds.reduce((sum, round) => sum + pick(round).seconds, 0),
    p50: middle(rounds.map((round) => pick(round).p50)),
    p99: middle(rounds.map((round) => pick(round).p99)),
    cpuMsPerRequest:
      pick(rounds[0]).cpuMsPerRequest === undefined
        ? undefined
        : rounds.reduce((sum, round) => sum + (pick(round).cpuMsPerRequest ?? 0) * pick(round).requests, 0) /
          rounds.reduce((sum, round) => sum + pick(round).requests, 0),
  });
  const apiSummary = summary((round) => round.api);
  const bareSummary = summary((round) => round.bare);
  return { rounds, api: apiSummary, bare: bareSummary, ratio: apiSummary.rps / bareSummary.rps };
}

/** The rounds as table rows, then the totals. */
export function comparedRows(compared: Compared, apiName: string, bareName: string) {
  const cell = (name: string, round: string, r: Summary, extra = '') => ({
    side: name,
    round,
    'req/s': Math.round(r.rps),
    'p50 ms': r.p50.toFixed(2),
    'p99 ms': r.p99.toFixed(2),
    'CPU ms/req': r.cpuMsPerRequest === undefined ? '-' : r.cpuMsPerRequest.toFixed(3),
    note: extra,
  });
  const note = (r: WrkResult) =>
    [
      r.non2xx ? `${r.non2xx} non-2xx` : '',
      r.socketErrors ? `${r.socketErrors} socket errors` : '',
      r.statuses.size ? [...r.statuses].map(([s, n]) => `${s}: ${n}`).join(' ') : '',
    ]
      .filter(Boolean)
      .join('; ');
  return [
    ...compared.rounds.flatMap((round, i) => [
      cell(apiName, String(i + 1), round.api, note(round.api)),
      cell(bareName, String(i + 1), round.bare, note(round.bare)),
    ]),
    cell(apiName, 'all', compared.api, 'p50/p99: median of rounds'),
    cell(bareName, 'all', compared.bare, 'p50/p99: median of rounds'),
  ];
}
