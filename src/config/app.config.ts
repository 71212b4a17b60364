import { config as loadDotenv } from 'dotenv';

import { envSchema, trustProxy } from './env.schema';

export type NodeEnv = 'development' | 'production' | 'test';

export interface AppConfig {
  nodeEnv: NodeEnv;
  http: {
    host: string;
    port: number;
    /** Fastify's trustProxy: no proxy (false), how many proxies stand in front, or their addresses/CIDRs. */
    trustProxy: false | number | string[];
    bodyLimitBytes: number;
    corsOrigins: string[];
    docsEnabled: boolean;
  };
  shutdownTimeoutMs: number;
  /** With a token, GET /metrics requires `Authorization: Bearer <token>`; without one (never in production), it is open. */
  metrics: { token: string | undefined };
  logLevel: string;
  database: {
    url: string;
    poolSize: number;
    /** Hot standbys that take reads which may be a little stale; none by default. */
    replicaUrls: string[];
    /** A replica further behind the primary than this takes no reads. */
    replicaMaxLagMs: number;
  };
  redis: { url: string; keyPrefix: string };
  jwt: {
    secret: string;
    issuer: string;
    audience: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
  };
  bcryptCost: number;
  bootstrapAdmin: { email: string; password: string } | null;
  rateLimits: {
    authPerMinute: number;
    bookingsPerMinute: number;
    searchPerMinute: number;
    defaultPerMinute: number;
    /** Failed logins per e-mail address per window, across every client address and instance. */
    loginFailuresPerAccount: number;
    loginFailureWindowSeconds: number;
  };
  payments: {
    pendingTtlSeconds: number;
    defaultCommissionBps: number;
    reconcileIntervalSeconds: number;
    razorpay: {
      apiBaseUrl: string;
      keyId?: string;
      keySecret?: string;
      webhookSecret?: string;
      /** Also accepted while the webhook secret is being rotated. */
      previousWebhookSecret?: string;
      timeoutMs: number;
    };
  };
  slots: { cacheTtlSeconds: number; cacheRedisUrl: string };
  bookings: { minNoticeMinutes: number; horizonDays: number; holdSweepIntervalSeconds: number };
  settlements: { cron: string; timezone: string; concurrency: number };
  queues: { lockDurationMs: number };
  notifications: {
    smtpUrl: string | undefined;
    from: string;
    sms: { baseUrl: string; apiKey: string } | null;
    reminderLeadMinutes: number;
    attempts: number;
    backoffMs: number;
    timeoutMs: number;
    relayIntervalMs: number;
  };
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/** A comma-separated setting as a list, blanks dropped. */
const commaList = (value: unknown): string[] =>
  String(value)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Validates raw environment variables and builds the typed configuration. Throws on any problem. */
export function buildAppConfig(env: Record<string, string | undefined>): AppConfig {
  const { value: v, error } = envSchema.validate(env, { abortEarly: false, convert: true });
  if (error) {
    throw new ConfigValidationError(error.details.map((detail) => detail.message));
  }
  return {
    nodeEnv: v.NODE_ENV,
    http: {
      host: v.HOST,
      port: v.PORT,
      trustProxy: trustProxy(v.TRUST_PROXY),
      bodyLimitBytes: v.BODY_LIMIT_BYTES,
      corsOrigins: commaList(v.CORS_ORIGINS),
      docsEnabled: v.DOCS_ENABLED,
    },
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    metrics: { token: v.METRICS_TOKEN },
    logLevel: v.LOG_LEVEL,
    database: {
      url: v.DATABASE_URL,
      poolSize: v.DATABASE_POOL_SIZE,
      replicaUrls: commaList(v.DATABASE_REPLICA_URLS),
      replicaMaxLagMs: v.DATABASE_REPLICA_MAX_LAG_MS,
    },
    redis: { url: v.REDIS_URL, keyPrefix: v.REDIS_KEY_PREFIX },
    jwt: {
      secret: v.JWT_SECRET,
      issuer: v.JWT_ISSUER,
      audience: v.JWT_AUDIENCE,
      accessTtlSeconds: v.JWT_ACCESS_TTL_SECONDS,
      refreshTtlSeconds: v.JWT_REFRESH_TTL_SECONDS,
    },
    bcryptCost: v.BCRYPT_COST,
    bootstrapAdmin: v.BOOTSTRAP_ADMIN_EMAIL
      ? { email: String(v.BOOTSTRAP_ADMIN_EMAIL).toLowerCase(), password: v.BOOTSTRAP_ADMIN_PASSWORD }
      : null,
    rateLimits: {
      authPerMinute: v.RATE_LIMIT_AUTH_PER_MINUTE,
      bookingsPerMinute: v.RATE_LIMIT_BOOKINGS_PER_MINUTE,
      searchPerMinute: v.RATE_LIMIT_SEARCH_PER_MINUTE,
      defaultPerMinute: v.RATE_LIMIT_DEFAULT_PER_MINUTE,
      loginFailuresPerAccount: v.LOGIN_FAILURES_PER_ACCOUNT,
      loginFailureWindowSeconds: v.LOGIN_FAILURE_WINDOW_SECONDS,
    },
    payments: {
      pendingTtlSeconds: v.PAYMENT_PENDING_TTL_SECONDS,
      defaultCommissionBps: v.DEFAULT_COMMISSION_BPS,
      razorpay: {
        apiBaseUrl: v.RAZORPAY_API_BASE_URL,
        keyId: v.RAZORPAY_KEY_ID,
        keySecret: v.RAZORPAY_KEY_SECRET,
        webhookSecret: v.RAZORPAY_WEBHOOK_SECRET,
        previousWebhookSecret: v.RAZORPAY_WEBHOOK_SECRET_PREVIOUS,
        timeoutMs: v.RAZORPAY_TIMEOUT_MS,
      },
      reconcileIntervalSeconds: v.PAYMENT_RECONCILE_INTERVAL_SECONDS,
    },
    slots: { cacheTtlSeconds: v.SLOTS_CACHE_TTL_SECONDS, cacheRedisUrl: v.CACHE_REDIS_URL ?? v.REDIS_URL },
    bookings: {
      minNoticeMinutes: v.BOOKING_MIN_NOTICE_MINUTES,
      horizonDays: v.BOOKING_HORIZON_DAYS,
      holdSweepIntervalSeconds: v.HOLD_SWEEP_INTERVAL_SECONDS,
    },
    queues: { lockDurationMs: v.QUEUE_LOCK_DURATION_MS },
    notifications: {
      smtpUrl: v.SMTP_URL,
      from: v.NOTIFY_FROM,
      sms: v.SMS_API_BASE_URL ? { baseUrl: v.SMS_API_BASE_URL, apiKey: v.SMS_API_KEY } : null,
      reminderLeadMinutes: v.REMINDER_LEAD_MINUTES,
      attempts: v.NOTIFY_ATTEMPTS,
      backoffMs: v.NOTIFY_BACKOFF_MS,
      timeoutMs: v.NOTIFY_TIMEOUT_MS,
      relayIntervalMs: v.NOTIFY_RELAY_INTERVAL_MS,
    },
    settlements: {
      cron: v.SETTLEMENT_CRON,
      timezone: v.SETTLEMENT_TIMEZONE,
      concurrency: v.SETTLEMENT_CONCURRENCY,
    },
  };
}

let cached: AppConfig | undefined;

/**
 * The process-wide configuration: variables from the environment, completed by a local `.env` file when one
 * exists (real environment variables win). Computed once.
 */
export function loadAppConfig(): AppConfig {
  if (!cached) {
    loadDotenv({ quiet: true });
    cached = buildAppConfig(process.env);
  }
  return cached;
}

/** For entry points: load the configuration or print what is wrong and exit non-zero before anything starts. */
export function loadAppConfigOrExit(processName: string): AppConfig {
  try {
    return loadAppConfig();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${processName} refused to start. ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
