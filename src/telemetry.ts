import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Jobs per queue and state, read from the queues when /metrics is scraped. */
export type QueueCounts = Record<string, Record<string, number>>;

/** Process metrics for /metrics. One registry per process (tests create their own). */
export function createTelemetry() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let queueSource: (() => Promise<QueueCounts>) | undefined;
  return {
    registry,
    /** Where queue depths come from (the producer's queues); set once the queues exist. */
    setQueueSource(fn: () => Promise<QueueCounts>) {
      queueSource = fn;
    },
    queueJobs: new Gauge({
      name: 'netops_queue_jobs',
      help: 'Jobs in each queue by state (waiting, active, delayed, prioritized, failed), read at scrape time',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        if (!queueSource) return;
        try {
          const counts = await queueSource();
          this.reset();
          for (const [queue, states] of Object.entries(counts))
            for (const [state, n] of Object.entries(states)) this.set({ queue, state }, n);
        } catch {
          // Redis away: the gauge goes stale rather than failing the whole scrape; /readyz says why.
        }
      },
    }),
    ackSeconds: new Histogram({
      name: 'netops_slack_ack_seconds',
      help: 'Time from receiving a Slack request to acknowledging it',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    slackRequests: new Counter({
      name: 'netops_slack_requests_total',
      help: 'Slack requests by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    commands: new Counter({
      name: 'netops_commands_total',
      help: 'Commands by name and outcome',
      labelNames: ['command', 'outcome'],
      registers: [registry],
    }),
    slackCalls: new Counter({
      name: 'netops_slack_api_events_total',
      help: 'Slack Web API trouble by method: ratelimited (429), error (5xx, timeout), retry (a call sent again), recovered (a post found instead of made twice), refused (a final error)',
      labelNames: ['method', 'outcome'],
      registers: [registry],
    }),
    slackErrors: new Counter({
      name: 'netops_slack_api_errors_total',
      help: 'Slack Web API calls refused for good, by method and Slack error (channel_not_found, invalid_auth, …)',
      labelNames: ['method', 'error'],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'netops_jobs_total',
      help: 'Finished jobs by name and state',
      labelNames: ['job', 'state'],
      registers: [registry],
    }),
    jobRetries: new Counter({
      name: 'netops_job_retries_total',
      help: 'Job attempts that failed and will be tried again, by job name',
      labelNames: ['job'],
      registers: [registry],
    }),
    pollRounds: pollRoundMetrics(registry),
    jobSeconds: new Histogram({
      name: 'netops_job_seconds',
      help: 'Job run time',
      labelNames: ['job'],
      buckets: [0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  };
}

export type Telemetry = ReturnType<typeof createTelemetry>;

/** SNMP poll rounds (src/snmp/round-loop.ts): how long, how late, how many devices answered. */
export function pollRoundMetrics(registry: Registry) {
  const seconds = new Histogram({
    name: 'netops_poll_round_seconds',
    help: 'Wall time of an SNMP poll round over the whole fleet (poll and store)',
    buckets: [1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 300],
    registers: [registry],
  });
  const lateSeconds = new Gauge({
    name: 'netops_poll_round_late_seconds',
    help: 'How long after its tick the last poll round started (a round before it ran long)',
    registers: [registry],
  });
  const devices = new Gauge({
    name: 'netops_poll_round_devices',
    help: 'Devices in the last poll round by outcome (ok, failed)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const rounds = new Counter({
    name: 'netops_poll_rounds_total',
    help: 'Poll rounds by timeliness (on_time, late); a late round still runs, and says so',
    labelNames: ['timeliness'],
    registers: [registry],
  });
  const missed = new Counter({
    name: 'netops_poll_round_missed_ticks_total',
    help: 'Intervals that passed with no round starting because the one before ran that long',
    registers: [registry],
  });
  return {
    observe(r: {
      wallMs: number;
      lateByMs: number;
      late: boolean;
      ok: number;
      failed: number;
      missedTicks: number;
    }) {
      seconds.observe(r.wallMs / 1000);
      lateSeconds.set(r.lateByMs / 1000);
      devices.set({ outcome: 'ok' }, r.ok);
      devices.set({ outcome: 'failed' }, r.failed);
      rounds.inc({ timeliness: r.late ? 'late' : 'on_time' });
      if (r.missedTicks) missed.inc(r.missedTicks);
    },
  };
}
