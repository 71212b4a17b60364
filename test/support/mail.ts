import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
  /** The raw message with quoted-printable soft breaks and escapes undone, for content checks. */
  decoded: string;
}

function decodeQuotedPrintable(raw: string): string {
  const unfolded = raw.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < unfolded.length; i++) {
    const hex = unfolded.slice(i + 1, i + 3);
    if (unfolded[i] === '=' && /^[0-9A-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(unfolded[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * A real SMTP server on a local port that keeps what it receives. It can refuse messages (as a provider that is
 * failing), hold them (a stalled server: the DATA phase is not answered until released) or be stopped and started
 * again on the same port (down and back).
 */
export class LocalSmtpServer {
  readonly received: ReceivedMail[] = [];
  port = 0;
  refuse = false;
  private server?: SMTPServer;
  private stalled: Array<() => void> | null = null;

  async start(): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const finish = () => {
            if (this.refuse) {
              callback(Object.assign(new Error('Mailbox temporarily unavailable'), { responseCode: 451 }));
              return;
            }
            const raw = Buffer.concat(chunks).toString('utf8');
            this.received.push({
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              raw,
              decoded: decodeQuotedPrintable(raw),
            });
            callback();
          };
          if (this.stalled) this.stalled.push(finish);
          else finish();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** From now on, messages are held until `release()`. */
  stall(): void {
    this.stalled = [];
  }

  /** Messages held by `stall()`, waiting for `release()`. */
  get held(): number {
    return this.stalled?.length ?? 0;
  }

  release(): void {
    const held = this.stalled ?? [];
    this.stalled = null;
    for (const finish of held) finish();
  }

  to(address: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to.includes(address));
  }
}

/** An HTTP SMS provider stub: `POST /messages` with a bearer key; keeps what it receives. */
export class LocalSmsProvider {
  readonly received: Array<{ to: string; text: string }> = [];
  private server?: Server;

  constructor(readonly apiKey: string) {}

  async start(): Promise<string> {
    this.server = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        if (request.method !== 'POST' || request.url !== '/messages') {
          response.writeHead(404).end();
          return;
        }
        if (request.headers.authorization !== `Bearer ${this.apiKey}`) {
          response.writeHead(401).end('{"error":"unauthorized"}');
          return;
        }
        this.received.push(JSON.parse(body) as { to: string; text: string });
        response.writeHead(202, { 'Content-Type': 'application/json' }).end('{"status":"queued"}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  to(phone: string): Array<{ to: string; text: string }> {
    return this.received.filter((message) => message.to === phone);
  }
}
